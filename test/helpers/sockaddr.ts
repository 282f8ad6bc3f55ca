// The socket address in a line strace wrote, as the playground writes addresses: "127.0.0.1:80",
// "[::1]:80", a path, or "@name" (an abstract name, its NUL padding left out).
export function addressIn(text: string): string | undefined {
  const inet = /sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)/.exec(text);
  if (inet) return `${inet[2]}:${inet[1]}`;
  const inet6 = /sin6_port=htons\((\d+)\).*?inet_pton\(AF_INET6, "([^"]+)"/.exec(text);
  if (inet6) return `[${inet6[2]}]:${inet6[1]}`;
  const abstract = /sun_path=@"((?:[^"\\]|\\.)*)"/.exec(text);
  if (abstract) return `@${(abstract[1] as string).replace(/(\\0)+$/, "")}`;
  const path = /sun_path="((?:[^"\\]|\\.)*)"/.exec(text);
  return path ? path[1] : undefined;
}

{
  "targets": [
    {
      "target_name": "unix_socket",
      "sources": ["unix_socket.c"],
      "cflags_c": ["-std=c11", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"],
      "conditions": [
        ["OS!='linux'", {"type": "none"}]
      ]
    }
  ]
}

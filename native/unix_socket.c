// The playground's own AF_UNIX sockets for the two types Node's core lacks (SOCK_DGRAM, SOCK_SEQPACKET;
// SOCK_STREAM works too). Deliberately thin: one class, UnixSocket, that owns one non-blocking,
// close-on-exec fd and makes the socket calls on it, plus one uv_poll_t that says when the fd is
// readable or writable. (And two functions on node:net sockets, each for less than Node's own way
// costs: inetPeerName(), a TCP socket's peer, and shutdownWrite(); see there.) Every decision (when
// to read, what to queue, what an error means) is made in TypeScript, in src/transports/unix-addon/.
//
// Rules this file keeps, because an addon that aborts the process takes the whole lab with it:
// - a failing call throws a Node-style Error (code, errno, syscall, "<syscall> <CODE>"), never aborts
//   (inetPeerName() answers null instead, as the Node call it stands in for answers nothing, and
//   shutdownWrite() the error's code, for its caller to fall back on Node's way);
// - close() is idempotent: the fd becomes -1 and any later call throws EBADF without touching a
//   number the kernel may have handed to someone else;
// - close() may be called from inside the socket's own callback: the poll stops at once, the handle is
//   freed in its close callback, and no JS callback runs after close;
// - an exception thrown by the JS callback goes to Node's uncaught-exception path, not abort();
// - the JS object stays alive while watched (strong reference), and only then: the watch callback is
//   kept on the object itself, so a callback that captures the socket is no root; the GC's finalizer
//   closes the fd of a socket nobody closed;
// - a Node environment that ends (a worker_thread exiting or terminated, or the main thread) closes
//   every socket it still has, and waits for their uv_close callbacks, before Node unloads this .so:
//   a callback into unloaded code is a SIGSEGV.
//
// A name is the exact sun_path bytes: a path, or an abstract name with its leading 0 byte. Its length
// is passed exactly (addrlen = offsetof(sun_path) + length), never NUL-padded to 108 bytes.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <uv.h>

// The most fds one message carries: the kernel's SCM_MAX_FD.
#define MAX_FDS 253

typedef struct Shared Shared;

typedef struct UnixSocket {
  int fd;
  int type;
  int passcred; // SO_PASSCRED, as set through setsockopt() or inherited by an accepted socket
  // Seqpacket reads need SO_PASSCRED on (see jsRecv): 1 when it is kept on for good (the socket has
  // a name, so it cannot be autobound), -1 when it is lent for each read (unnamed), 0 not known yet.
  int keptPasscred;
  napi_env env;
  Shared *shared;
  struct UnixSocket *prev, *next; // the env's live sockets (Shared.sockets), until finalized
  napi_ref self;    // weak (count 0) normally; strong (count 1) while watched
  bool hasCallback; // watch() was given one: it is stored on the JS object (Shared.callbackKey)
  napi_async_context async;
  uv_poll_t *poll; // freed in its uv_close callback, never before
  int events;      // UV_READABLE | UV_WRITABLE being watched; 0: not watched
} UnixSocket;

/** What one Node environment (the main thread, or a worker) shares among its sockets. */
struct Shared {
  napi_ref constructor;
  char *scratch; // recvmsg's buffer, grown to the largest size asked for: one per env, not per socket
  size_t scratchSize;
  UnixSocket *sockets;    // every socket not yet finalized, so the env's end can close them all
  napi_ref callbackKey;   // the Symbol under which a socket's JS object holds its watch callback
  int closing;            // uv_close calls whose callback has not run yet
  napi_async_cleanup_hook_handle cleanup; // set while the env ends and closes are still pending
};

// Passed as the constructor's argument by accept(), which cannot be reached from JS: adopt an fd.
static int adoptTag;

static Shared *shared(napi_env env) {
  Shared *data = NULL;
  napi_get_instance_data(env, (void **)&data);
  return data;
}

// ---- errors -----------------------------------------------------------------------------------

#define CALL(env, call)                                                                            \
  do {                                                                                             \
    if ((call) != napi_ok) return NULL;                                                            \
  } while (0)

/** The Error Node would make for a failed system call: code, errno (negative) and syscall. */
static napi_value errnoError(napi_env env, int err, const char *syscall) {
  const char *code = uv_err_name(-err);
  char message[128];
  snprintf(message, sizeof message, "%s %s", syscall, code);
  napi_value codeValue, messageValue, error, errnoValue, syscallValue;
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &codeValue);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &messageValue);
  napi_create_error(env, codeValue, messageValue, &error);
  napi_create_int32(env, -err, &errnoValue);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscallValue);
  napi_set_named_property(env, error, "errno", errnoValue);
  napi_set_named_property(env, error, "syscall", syscallValue);
  return error;
}

static napi_value throwErrno(napi_env env, int err, const char *syscall) {
  napi_throw(env, errnoError(env, err, syscall));
  return NULL;
}

static napi_value throwType(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return NULL;
}

// ---- arguments --------------------------------------------------------------------------------

/** `this` as a UnixSocket with an open fd, or NULL with EBADF thrown (closed) naming `syscall`. */
static UnixSocket *openSocket(napi_env env, napi_value self, const char *syscall) {
  UnixSocket *s = NULL;
  if (napi_unwrap(env, self, (void **)&s) != napi_ok || s == NULL) {
    throwType(env, "not a UnixSocket");
    return NULL;
  }
  if (s->fd < 0) {
    throwErrno(env, EBADF, syscall);
    return NULL;
  }
  return s;
}

static int isNullish(napi_env env, napi_value value) {
  napi_valuetype type;
  napi_typeof(env, value, &type);
  return type == napi_undefined || type == napi_null;
}

/**
 * Room for a name a little longer than sun_path: such a name goes to the kernel, which answers it
 * (EINVAL, unix(7)), instead of a refusal of ours that no system call backs.
 */
typedef union {
  struct sockaddr_un un;
  struct sockaddr_storage storage;
} UnixAddress;

/**
 * A Buffer of sun_path bytes as a sockaddr_un; its length in *len. Only a name that not even a
 * sockaddr_storage holds is refused here, with ENAMETOOLONG: the kernel cannot be given it at all.
 */
static int toAddress(napi_env env, napi_value name, const char *syscall, UnixAddress *addr,
                     socklen_t *len) {
  bool isBuffer = false;
  napi_is_buffer(env, name, &isBuffer);
  if (!isBuffer) {
    throwType(env, "a unix socket name is a Buffer of sun_path bytes");
    return 0;
  }
  void *data;
  size_t size;
  napi_get_buffer_info(env, name, &data, &size);
  if (size > sizeof *addr - offsetof(struct sockaddr_un, sun_path)) {
    throwErrno(env, ENAMETOOLONG, syscall);
    return 0;
  }
  memset(addr, 0, sizeof *addr);
  addr->un.sun_family = AF_UNIX;
  memcpy((char *)addr + offsetof(struct sockaddr_un, sun_path), data, size);
  *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + size);
  return 1;
}

/**
 * sun_path bytes as a Buffer: a path without its NUL, an abstract name at its exact length. `len` is
 * what the kernel said, which may be more than it copied: for a path that fills all 108 bytes of
 * sun_path it says 111 (its own NUL counted). So the length is clamped to the buffer, and a path is
 * measured within sun_path only.
 */
static napi_value fromAddress(napi_env env, const UnixAddress *addr, socklen_t len) {
  const size_t start = offsetof(struct sockaddr_un, sun_path);
  size_t end = len < sizeof *addr ? len : sizeof *addr;
  size_t size = end > start ? end - start : 0;
  const char *path = (const char *)addr + start;
  if (size > 0 && path[0] != '\0') size = strnlen(path, size < sizeof addr->un.sun_path ? size : sizeof addr->un.sun_path);
  napi_value buffer;
  CALL(env, napi_create_buffer_copy(env, size, path, NULL, &buffer));
  return buffer;
}

static napi_value getArgs(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv,
                          napi_value *self) {
  CALL(env, napi_get_cb_info(env, info, argc, argv, self, NULL));
  return *self;
}

/** An integer argument: NaN, 1.5 or 2**40 is a TypeError, never quietly 0, 1 or a wrapped number. */
static int int32Arg(napi_env env, napi_value value, int32_t *out) {
  double number;
  // Range first (NaN fails it too): casting a double outside int32_t is undefined behaviour.
  if (napi_get_value_double(env, value, &number) != napi_ok || !(number >= INT32_MIN && number <= INT32_MAX) ||
      number != (double)(int32_t)number) {
    throwType(env, "expected an integer");
    return 0;
  }
  *out = (int32_t)number;
  return 1;
}

static napi_value undefinedValue(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

static napi_value int32Value(napi_env env, int32_t n) {
  napi_value v;
  napi_create_int32(env, n, &v);
  return v;
}

// ---- life: construct, close, finalize ----------------------------------------------------------

/**
 * A poll handle is closed: free it. When the env is ending and this was the last close it waited for,
 * tell Node it may go on (and unload this .so).
 */
static void onPollClosed(uv_handle_t *handle) {
  Shared *data = handle->data;
  free(handle);
  if (--data->closing == 0 && data->cleanup != NULL) {
    napi_async_cleanup_hook_handle cleanup = data->cleanup;
    data->cleanup = NULL;
    napi_remove_async_cleanup_hook(cleanup);
  }
}

/** Stop watching: the poll stops now; the JS object may be collected again. */
static void stopWatching(UnixSocket *s) {
  if (s->poll != NULL) uv_poll_stop(s->poll);
  if (s->events != 0) {
    s->events = 0;
    uint32_t count;
    napi_reference_unref(s->env, s->self, &count);
  }
}

/** Close the fd and release what watched it; safe to call again, and from inside the callback. */
static void closeSocket(UnixSocket *s) {
  if (s->fd < 0) return;
  stopWatching(s);
  if (s->poll != NULL) {
    s->poll->data = s->shared; // no longer the socket: onPollClosed counts the close in Shared
    s->shared->closing++;
    uv_close((uv_handle_t *)s->poll, onPollClosed);
    s->poll = NULL;
  }
  s->hasCallback = false;
  close(s->fd);
  s->fd = -1;
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  UnixSocket *s = data;
  closeSocket(s);
  if (s->prev != NULL) s->prev->next = s->next;
  else s->shared->sockets = s->next;
  if (s->next != NULL) s->next->prev = s->prev;
  if (s->async != NULL) napi_async_destroy(env, s->async);
  napi_delete_reference(env, s->self);
  free(s);
}

/** new UnixSocket(type): socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0). */
static napi_value construct(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], self, newTarget;
  if (getArgs(env, info, &argc, argv, &self) == NULL) return NULL;
  if (napi_get_new_target(env, info, &newTarget) != napi_ok || newTarget == NULL)
    return throwType(env, "UnixSocket is a class: use new UnixSocket(type)");
  int fd = -1, passcred = 0;
  int32_t type = 0;
  void *tag = NULL;
  napi_valuetype kind;
  napi_typeof(env, argv[0], &kind);
  if (argc >= 2 && kind == napi_external && napi_get_value_external(env, argv[0], &tag) == napi_ok &&
      tag == &adoptTag) {
    if (!int32Arg(env, argv[1], &fd)) return NULL;
    socklen_t len = sizeof type;
    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
    len = sizeof passcred; // an accepted socket inherits the listener's SO_PASSCRED
    getsockopt(fd, SOL_SOCKET, SO_PASSCRED, &passcred, &len);
  } else {
    if (argc < 1 || !int32Arg(env, argv[0], &type)) return NULL;
    fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return throwErrno(env, errno, "socket");
  }
  // An adopted fd is accept()'s: it closes the fd itself when this fails, so closing it here too
  // would close a number the kernel may already have handed to someone else.
  bool adopted = tag == &adoptTag;
  UnixSocket *s = calloc(1, sizeof *s);
  if (s == NULL) {
    if (!adopted) close(fd);
    return throwErrno(env, ENOMEM, "socket");
  }
  s->fd = fd;
  s->type = type;
  s->passcred = passcred;
  s->env = env;
  s->shared = shared(env);
  if (napi_wrap(env, self, s, finalize, NULL, NULL) != napi_ok) {
    if (!adopted) close(fd);
    free(s);
    return NULL;
  }
  s->next = s->shared->sockets;
  if (s->next != NULL) s->next->prev = s;
  s->shared->sockets = s;
  napi_create_reference(env, self, 0, &s->self);
  return self;
}

static napi_value jsClose(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value self;
  if (getArgs(env, info, &argc, NULL, &self) == NULL) return NULL;
  UnixSocket *s = NULL;
  if (napi_unwrap(env, self, (void **)&s) != napi_ok || s == NULL) return throwType(env, "not a UnixSocket");
  closeSocket(s);
  // The callback is never called again: let go of what it holds.
  napi_value key;
  bool deleted;
  CALL(env, napi_get_reference_value(env, s->shared->callbackKey, &key));
  CALL(env, napi_delete_property(env, self, key, &deleted));
  return undefinedValue(env);
}

// ---- the socket calls -------------------------------------------------------------------------

static napi_value nameCall(napi_env env, napi_callback_info info, const char *syscall, int isBind) {
  size_t argc = 1;
  napi_value argv[1], self;
  if (getArgs(env, info, &argc, argv, &self) == NULL) return NULL;
  UnixSocket *s = openSocket(env, self, syscall);
  if (s == NULL) return NULL;
  UnixAddress addr;
  socklen_t len;
  if (argc < 1 || !toAddress(env, argv[0], syscall, &addr, &len)) return NULL;
  int rc = isBind ? bind(s->fd, (struct sockaddr *)&addr, len) : connect(s->fd, (struct sockaddr *)&addr, len);
  if (rc < 0) return throwErrno(env, errno, syscall);
  return undefinedValue(env);
}

static napi_value jsBind(napi_env env, napi_callback_info info) { return nameCall(env, info, "bind", 1); }

/** connect(): on AF_UNIX it completes at once or fails at once (EAGAIN when the backlog is full). */
static napi_value jsConnect(napi_env env, napi_callback_info info) { return nameCall(env, info, "connect", 0); }

static napi_value jsListen(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], self;
  if (getArgs(env, info, &argc, argv, &self) == NULL) return NULL;
  UnixSocket *s = openSocket(env, self, "listen");
  int32_t backlog;
  if (s == NULL || argc < 1 || !int32Arg(env, argv[0], &backlog)) return NULL;
  if (listen(s->fd, backlog) < 0) return throwErrno(env, errno, "listen");
  return undefinedValue(env);
}

/** accept4(): a new UnixSocket, or null when no connection is waiting (EAGAIN). */
static napi_value jsAccept(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value self;
  if (getArgs(env, info, &argc, NULL, &self) == NULL) return NULL;
  UnixSocket *s = openSocket(env, self, "accept");
  if (s == NULL) return NULL;
  int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      napi_value null;
      napi_get_null(env, &null);
      return null;
    }
    return throwErrno(env, errno, "accept");
  }
  napi_value cons, args[2], accepted;
  if (napi_get_reference_value(env, shared(env)->constructor, &cons) != napi_ok ||
      napi_create_external(env, &adoptTag, NULL, NULL, &args[0]) != napi_ok ||
      napi_create_int32(env, fd, &args[1]) != napi_ok ||
      napi_new_instance(env, cons, 2, args, &accepted) != napi_ok) {
    close(fd);
    return NULL;
  }
  return accepted;
}

/**
 * sendmsg(data, to?, fds?): the bytes the kernel took, or -1 when it would block (EAGAIN). MSG_NOSIGNAL:
 * a send to a closed peer is EPIPE, not a SIGPIPE that kills the process. fds go as SCM_RIGHTS.
 */
static napi_value jsSend(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], self;
  if (getArgs(env, info, &argc, argv, &self) == NULL) return NULL;
  UnixSocket *s = openSocket(env, self, "sendmsg");
  if (s == NULL) return NULL;
  bool isBuffer = false;
  if (argc >= 1) napi_is_buffer(env, argv[0], &isBuffer);
  if (!isBuffer) return throwType(env, "send() takes a Buffer");
  void *data;
  size_t size;
  napi_get_buffer_info(env, argv[0], &data, &size);

  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  struct iovec iov = {.iov_base = data, .iov_len = size};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  UnixAddress addr;
  socklen_t len;
  if (argc >= 2 && !isNullish(env, argv[1])) {
    if (!toAddress(env, argv[1], "sendmsg", &addr, &len)) return NULL;
    msg.msg_name = &addr;
    msg.msg_namelen = len;
  }
  union {
    char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
    struct cmsghdr align;
  } control;
  if (argc >= 3 && !isNullish(env, argv[2])) {
    bool isArray = false;
    uint32_t count = 0;
    napi_is_array(env, argv[2], &isArray);
    if (!isArray) return throwType(env, "fds is an array of file descriptors");
    napi_get_array_length(env, argv[2], &count);
    if (count > MAX_FDS) return throwErrno(env, EINVAL, "sendmsg");
    if (count > 0) {
      memset(&control, 0, sizeof control);
      msg.msg_control = control.buf;
      msg.msg_controllen = CMSG_SPACE(sizeof(int) * count);
      struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
      cmsg->cmsg_level = SOL_SOCKET;
      cmsg->cmsg_type = SCM_RIGHTS;
      cmsg->cmsg_len = CMSG_LEN(sizeof(int) * count);
      int *fds = (int *)CMSG_DATA(cmsg);
      for (uint32_t i = 0; i < count; i++) {
        napi_value element;
        int32_t fd;
        if (napi_get_element(env, argv[2], i, &element) != napi_ok) return NULL;
        if (!int32Arg(env, element, &fd)) return NULL;
        memcpy(&fds[i], &fd, sizeof fd);
      }
    }
  }
  ssize_t sent = sendmsg(s->fd, &msg, MSG_NOSIGNAL);
  if (sent < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return int32Value(env, -1);
    return throwErrno(env, errno, "sendmsg");
  }
  napi_value result;
  napi_create_double(env, (double)sent, &result);
  return result;
}

static napi_value credValue(napi_env env, const struct ucred *cred) {
  napi_value object, pid, uid, gid;
  CALL(env, napi_create_object(env, &object));
  napi_create_int32(env, cred->pid, &pid);
  napi_create_uint32(env, cred->uid, &uid);
  napi_create_uint32(env, cred->gid, &gid);
  napi_set_named_property(env, object, "pid", pid);
  napi_set_named_property(env, object, "uid", uid);
  napi_set_named_property(env, object, "gid", gid);
  return object;
}

/** Whether the socket is bound to a name (a path or an abstract name), its own or its listener's. */
static bool hasName(int fd) {
  UnixAddress addr;
  socklen_t len = sizeof addr;
  return getsockname(fd, (struct sockaddr *)&addr, &len) == 0 && len > offsetof(struct sockaddr_un, sun_path);
}

static bool setPasscred(int fd, int on) {
  return setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) == 0;
}

/** Close fds a message brought in that cannot be handed on. */
static void closeFds(const int *fds, size_t count) {
  for (size_t i = 0; i < count; i++) close(fds[i]);
}

/** What recvmsg() found in its control buffer: the fds it installed, and the credentials. */
typedef struct {
  int fds[MAX_FDS];
  size_t fdCount;
  struct ucred cred;
  bool hasCred;
} Control;

static void parseControl(struct msghdr *msg, Control *control) {
  control->fdCount = 0;
  control->hasCred = false;
  for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(msg); cmsg != NULL; cmsg = CMSG_NXTHDR(msg, cmsg)) {
    if (cmsg->cmsg_level != SOL_SOCKET) continue;
    if (cmsg->cmsg_type == SCM_RIGHTS) {
      size_t n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < n; i++) {
        int fd;
        memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof fd);
        // The control buffer holds at most MAX_FDS; were there more, none may stay open unseen.
        if (control->fdCount < MAX_FDS) control->fds[control->fdCount++] = fd;
        else close(fd);
      }
    } else if (cmsg->cmsg_type == SCM_CREDENTIALS && cmsg->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
      memcpy(&control->cred, CMSG_DATA(cmsg), sizeof control->cred);
      control->hasCred = true;
    }
  }
}

/**
 * A 0-byte read from a stream or seqpacket socket: end-of-file, or an empty record? When the read was
 * made with SO_PASSCRED on (`exact`) the kernel says it: every record, an empty one too, comes with
 * SCM_CREDENTIALS, and end-of-file with none. Otherwise (a stream, which has no empty records) the
 * peer has shut down (POLLRDHUP: it says nothing of what is still queued) and no byte is queued
 * (SIOCINQ).
 */
static bool isEndOfFile(const UnixSocket *s, bool exact, const Control *control) {
  if (exact) return !control->hasCred;
  struct pollfd p = {.fd = s->fd, .events = POLLRDHUP};
  int queued = 0;
  return poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP)) != 0 && ioctl(s->fd, SIOCINQ, &queued) == 0 &&
         queued == 0;
}

/** The object recv() returns; NULL (an exception pending) when N-API fails. */
static napi_value receivedValue(napi_env env, UnixSocket *s, const char *bytes, size_t kept, ssize_t got,
                                const UnixAddress *addr, const struct msghdr *msg, const Control *control,
                                bool exact) {
  napi_value result, data, from, fds, flags, length;
  CALL(env, napi_create_object(env, &result));
  CALL(env, napi_create_buffer_copy(env, kept, bytes, NULL, &data));
  CALL(env, napi_create_array_with_length(env, control->fdCount, &fds));
  for (size_t i = 0; i < control->fdCount; i++)
    CALL(env, napi_set_element(env, fds, (uint32_t)i, int32Value(env, control->fds[i])));
  // Credentials only when asked for (SO_PASSCRED set by the caller), not when lent for one read.
  if (control->hasCred && s->passcred) {
    napi_value cred = credValue(env, &control->cred);
    if (cred == NULL) return NULL;
    CALL(env, napi_set_named_property(env, result, "cred", cred));
  }
  // An unnamed sender (or a connected stream or seqpacket peer) comes with no address: empty.
  if ((from = fromAddress(env, addr, msg->msg_namelen)) == NULL) return NULL;
  CALL(env, napi_create_double(env, (double)got, &length));
  // The kernel echoes MSG_CMSG_CLOEXEC back in msg_flags: it is ours, not news about the record.
  CALL(env, napi_create_int32(env, msg->msg_flags & ~MSG_CMSG_CLOEXEC, &flags));
  CALL(env, napi_set_named_property(env, result, "data", data));
  if (got == 0 && s->type != SOCK_DGRAM) {
    napi_value hangup;
    CALL(env, napi_get_boolean(env, isEndOfFile(s, exact, control), &hangup));
    CALL(env, napi_set_named_property(env, result, "hangup", hangup));
  }
  CALL(env, napi_set_named_property(env, result, "length", length));
  CALL(env, napi_set_named_property(env, result, "from", from));
  CALL(env, napi_set_named_property(env, result, "flags", flags));
  CALL(env, napi_set_named_property(env, result, "fds", fds));
  return result;
}

/**
 * recvmsg(size, fds = true): null when nothing is queued (EAGAIN), else { data, length, from, flags,
 * fds, cred?, hangup? } (hangup: on a 0-byte read from a stream or seqpacket socket, whether the peer
 * has shut down). MSG_TRUNC is passed, so on datagram and seqpacket sockets `length` is the record's
 * real length even when `data` holds only `size` bytes of it, and `flags` are the kernel's (MSG_TRUNC,
 * MSG_CTRUNC). `from` is empty when the kernel gave no address (an unnamed sender). Received fds are
 * close-on-exec (MSG_CMSG_CLOEXEC) and belong to the caller. With fds false, none is ever installed:
 * the control buffer has room for the credentials alone (SO_PASSCRED on) or is absent, so the kernel
 * closes whatever fds came (scm_detach_fds) and says MSG_CTRUNC.
 */
static napi_value jsRecv(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], self;
  if (getArgs(env, info, &argc, argv, &self) == NULL) return NULL;
  UnixSocket *s = openSocket(env, self, "recvmsg");
  int32_t size;
  if (s == NULL || argc < 1 || !int32Arg(env, argv[0], &size)) return NULL;
  bool wantFds = true;
  if (argc >= 2 && !isNullish(env, argv[1]) && napi_get_value_bool(env, argv[1], &wantFds) != napi_ok)
    return throwType(env, "recv(size, fds?: boolean)");
  if (size < 0) return throwErrno(env, EINVAL, "recvmsg");
  Shared *data = shared(env);
  if ((size_t)size > data->scratchSize || data->scratch == NULL) {
    char *grown = realloc(data->scratch, size > 0 ? (size_t)size : 1);
    if (grown == NULL) return throwErrno(env, ENOMEM, "recvmsg");
    data->scratch = grown;
    data->scratchSize = (size_t)size;
  }
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  struct iovec iov = {.iov_base = data->scratch, .iov_len = (size_t)size};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  UnixAddress addr;
  memset(&addr, 0, sizeof addr);
  msg.msg_name = &addr;
  msg.msg_namelen = sizeof addr;
  union {
    char buf[CMSG_SPACE(sizeof(int) * MAX_FDS) + CMSG_SPACE(sizeof(struct ucred))];
    struct cmsghdr align;
  } buffer;
  // A seqpacket read is made with SO_PASSCRED on, so that a 0 is known for an empty record or
  // end-of-file (isEndOfFile). On for this one recvmsg only: left on, it would autobind an unnamed
  // socket to an abstract name at its next send (unix_dgram_sendmsg, which seqpacket shares), and
  // change the name its peer sees; credentials are added at read time, so lending it is enough.
  // A socket that has a name keeps it on: turning it on and off around every read cost seqpacket a
  // tenth of its throughput (two more system calls per record).
  if (s->type == SOCK_SEQPACKET && !s->passcred && s->keptPasscred == 0)
    s->keptPasscred = hasName(s->fd) && setPasscred(s->fd, 1) ? 1 : -1;
  bool lend = s->type == SOCK_SEQPACKET && !s->passcred && s->keptPasscred != 1;
  bool exact = s->type == SOCK_SEQPACKET &&
               (s->passcred || s->keptPasscred == 1 || (lend = setPasscred(s->fd, 1)));
  if (wantFds || exact || s->passcred) {
    msg.msg_control = buffer.buf;
    msg.msg_controllen = wantFds ? sizeof buffer.buf : CMSG_SPACE(sizeof(struct ucred));
  }
  // MSG_TRUNC only means "return the real length" on record-keeping sockets; on a stream it discards.
  int flags = MSG_CMSG_CLOEXEC | (s->type == SOCK_STREAM ? 0 : MSG_TRUNC);
  ssize_t got = recvmsg(s->fd, &msg, flags);
  int recvErrno = errno;
  if (lend) setPasscred(s->fd, 0);
  errno = recvErrno;
  if (got < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      napi_value null;
      napi_get_null(env, &null);
      return null;
    }
    return throwErrno(env, errno, "recvmsg");
  }
  // The fds are this process's from here: every way out either hands them on or closes them.
  Control control;
  parseControl(&msg, &control);
  if (!wantFds) {
    closeFds(control.fds, control.fdCount); // none expected: SO_PASSCRED turned on behind our back
    control.fdCount = 0;
  }
  size_t kept = (size_t)got < (size_t)size ? (size_t)got : (size_t)size;
  napi_value result = receivedValue(env, s, data->scratch, kept, got, &addr, &msg, &control, exact);
  if (result == NULL) closeFds(control.fds, control.fdCount);
  return result;
}

static napi_value jsShutdown(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], self;
  if (getArgs(env, info, &argc, argv, &self) == NULL) return NULL;
  UnixSocket *s = openSocket(env, self, "shutdown");
  int32_t how;
  if (s == NULL || argc < 1 || !int32Arg(env, argv[0], &how)) return NULL;
  if (shutdown(s->fd, how) < 0) return throwErrno(env, errno, "shutdown");
  return undefinedValue(env);
}

/** getsockopt(level, name) for the int-valued options (SO_SNDBUF, SO_RCVBUF, SO_ERROR, SO_TYPE...). */
static napi_value jsGetsockopt(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], self;
  if (getArgs(env, info, &argc, argv, &self) == NULL) return NULL;
  UnixSocket *s = openSocket(env, self, "getsockopt");
  int32_t level, name;
  if (s == NULL || argc < 2 || !int32Arg(env, argv[0], &level) || !int32Arg(env, argv[1], &name)) return NULL;
  int value = 0;
  socklen_t len = sizeof value;
  if (getsockopt(s->fd, level, name, &value, &len) < 0) return throwErrno(env, errno, "getsockopt");
  return int32Value(env, value);
}

static napi_value jsSetsockopt(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], self;
  if (getArgs(env, info, &argc, argv, &self) == NULL) return NULL;
  UnixSocket *s = openSocket(env, self, "setsockopt");
  int32_t level, name, value;
  if (s == NULL || argc < 3 || !int32Arg(env, argv[0], &level) || !int32Arg(env, argv[1], &name) ||
      !int32Arg(env, argv[2], &value))
    return NULL;
  if (setsockopt(s->fd, level, name, &value, sizeof value) < 0) return throwErrno(env, errno, "setsockopt");
  if (level == SOL_SOCKET && name == SO_PASSCRED) {
    s->passcred = value != 0;
    s->keptPasscred = 0; // the caller's choice now: jsRecv looks again
  }
  return undefinedValue(env);
}

/** SO_PEERCRED: who the connected peer was when it connect()ed (or listen()ed): pid, uid, gid. */
static napi_value jsPeercred(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value self;
  if (getArgs(env, info, &argc, NULL, &self) == NULL) return NULL;
  UnixSocket *s = openSocket(env, self, "getsockopt");
  if (s == NULL) return NULL;
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(s->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) return throwErrno(env, errno, "getsockopt");
  return credValue(env, &cred);
}

static napi_value addressCall(napi_env env, napi_callback_info info, int peer) {
  const char *syscall = peer ? "getpeername" : "getsockname";
  size_t argc = 0;
  napi_value self;
  if (getArgs(env, info, &argc, NULL, &self) == NULL) return NULL;
  UnixSocket *s = openSocket(env, self, syscall);
  if (s == NULL) return NULL;
  UnixAddress addr;
  socklen_t len = sizeof addr;
  int rc = peer ? getpeername(s->fd, (struct sockaddr *)&addr, &len) : getsockname(s->fd, (struct sockaddr *)&addr, &len);
  if (rc < 0) return throwErrno(env, errno, syscall);
  return fromAddress(env, &addr, len);
}

static napi_value jsSockname(napi_env env, napi_callback_info info) { return addressCall(env, info, 0); }
static napi_value jsPeername(napi_env env, napi_callback_info info) { return addressCall(env, info, 1); }

/**
 * pollout(): whether poll() says POLLOUT now. On an unconnected datagram socket that is about its own
 * send buffer only (unix_writable: at most a quarter of SO_SNDBUF in flight), whoever's queue is full.
 */
static napi_value jsPollout(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value self;
  if (getArgs(env, info, &argc, NULL, &self) == NULL) return NULL;
  UnixSocket *s = openSocket(env, self, "poll");
  if (s == NULL) return NULL;
  struct pollfd p = {.fd = s->fd, .events = POLLOUT};
  int rc = poll(&p, 1, 0);
  if (rc < 0) return throwErrno(env, errno, "poll");
  napi_value result;
  napi_get_boolean(env, rc == 1 && (p.revents & POLLOUT) != 0, &result);
  return result;
}

static napi_value jsFd(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value self;
  if (getArgs(env, info, &argc, NULL, &self) == NULL) return NULL;
  UnixSocket *s = NULL;
  if (napi_unwrap(env, self, (void **)&s) != napi_ok || s == NULL) return throwType(env, "not a UnixSocket");
  return int32Value(env, s->fd);
}

// ---- watching: uv_poll ------------------------------------------------------------------------

/**
 * The watch callback, kept on the socket's own JS object: a callback that captures the socket (as
 * every wrapper's does) is then a cycle the GC can collect once the socket is unwatched and dropped.
 * Held by a strong napi_ref of its own, it would be a root keeping the socket alive forever.
 */
static bool callbackOf(napi_env env, napi_value self, napi_value *callback) {
  napi_value key;
  napi_valuetype type;
  return napi_get_reference_value(env, shared(env)->callbackKey, &key) == napi_ok &&
         napi_get_property(env, self, key, callback) == napi_ok && napi_typeof(env, *callback, &type) == napi_ok &&
         type == napi_function;
}

/**
 * The poll said something. libuv reports any EPOLLERR as UV_EBADF and stops the handle (libuv
 * src/unix/poll.c), whatever the kernel's error was: so the real one is read with SO_ERROR, and the
 * watch is started again as it was unless the callback closed or unwatched the socket. When SO_ERROR
 * holds nothing, the callback hears "readable": the next recvmsg() says what is wrong.
 */
static void onPoll(uv_poll_t *handle, int status, int events) {
  UnixSocket *s = handle->data;
  if (s == NULL || s->fd < 0 || !s->hasCallback) return;
  napi_env env = s->env;
  int error = 0;
  if (status < 0) {
    socklen_t len = sizeof error;
    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0) error = errno;
    events = error == 0 ? (s->events & UV_READABLE) : 0;
    if (s->events != 0) uv_poll_start(s->poll, s->events, onPoll);
  }
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value self, callback, argv[3];
  // `self` held in this scope keeps the object (and so `s`) alive through the callback, closed or not.
  if (napi_get_reference_value(env, s->self, &self) == napi_ok && self != NULL &&
      callbackOf(env, self, &callback)) {
    argv[0] = int32Value(env, -error);
    napi_get_boolean(env, (events & UV_READABLE) != 0, &argv[1]);
    napi_get_boolean(env, (events & UV_WRITABLE) != 0, &argv[2]);
    napi_value ignored;
    napi_status called = napi_make_callback(env, s->async, self, callback, 3, argv, &ignored);
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (called != napi_ok && pending) {
      napi_value exception;
      napi_get_and_clear_last_exception(env, &exception);
      napi_fatal_exception(env, exception); // process.on('uncaughtException'), or exit 1 with a trace
    }
  }
  napi_close_handle_scope(env, scope);
}

/**
 * watch(readable, writable, callback(status, readable, writable)): poll the fd for these; status is 0
 * or the kernel's negative errno. Called again, it changes what is watched (callback optional then).
 */
static napi_value jsWatch(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], self;
  if (getArgs(env, info, &argc, argv, &self) == NULL) return NULL;
  UnixSocket *s = openSocket(env, self, "watch");
  if (s == NULL) return NULL;
  bool readable = false, writable = false;
  if (argc < 2 || napi_get_value_bool(env, argv[0], &readable) != napi_ok ||
      napi_get_value_bool(env, argv[1], &writable) != napi_ok)
    return throwType(env, "watch(readable: boolean, writable: boolean, callback)");
  if (argc >= 3 && !isNullish(env, argv[2])) {
    napi_valuetype type;
    napi_typeof(env, argv[2], &type);
    if (type != napi_function) return throwType(env, "the watch callback is a function");
    napi_value key;
    CALL(env, napi_get_reference_value(env, s->shared->callbackKey, &key));
    CALL(env, napi_set_property(env, self, key, argv[2]));
    s->hasCallback = true;
  }
  if (!s->hasCallback) return throwType(env, "watch() needs a callback the first time");
  int events = (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0);
  if (events == 0) {
    stopWatching(s);
    return undefinedValue(env);
  }
  if (s->poll == NULL) {
    uv_loop_t *loop;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok) return NULL;
    s->poll = malloc(sizeof *s->poll);
    if (s->poll == NULL) return throwErrno(env, ENOMEM, "watch");
    int rc = uv_poll_init_socket(loop, s->poll, s->fd);
    if (rc < 0) {
      free(s->poll);
      s->poll = NULL;
      return throwErrno(env, -rc, "watch");
    }
    s->poll->data = s;
  }
  if (s->async == NULL) {
    napi_value name;
    napi_create_string_utf8(env, "UnixSocket", NAPI_AUTO_LENGTH, &name);
    if (napi_async_init(env, self, name, &s->async) != napi_ok) return NULL;
  }
  int rc = uv_poll_start(s->poll, events, onPoll);
  if (rc < 0) return throwErrno(env, -rc, "watch");
  if (s->events == 0) {
    uint32_t count;
    napi_reference_ref(env, s->self, &count);
  }
  s->events = events;
  return undefinedValue(env);
}

static napi_value jsUnwatch(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value self;
  if (getArgs(env, info, &argc, NULL, &self) == NULL) return NULL;
  UnixSocket *s = NULL;
  if (napi_unwrap(env, self, (void **)&s) != napi_ok || s == NULL) return throwType(env, "not a UnixSocket");
  stopWatching(s);
  return undefinedValue(env);
}

// ---- the module -------------------------------------------------------------------------------

/**
 * The env is ending (a worker exits or is terminated; the main thread exits). Sockets nobody closed
 * are closed now, and Node waits (this hook stays registered) until every uv_close callback has run:
 * they run code of this .so, which Node unloads after the env is gone. Finalizers that run later find
 * fd == -1 and only free memory.
 */
static void onEnvEnding(napi_async_cleanup_hook_handle handle, void *arg) {
  Shared *data = arg;
  for (UnixSocket *s = data->sockets; s != NULL; s = s->next) closeSocket(s);
  if (data->closing == 0) napi_remove_async_cleanup_hook(handle);
  else data->cleanup = handle;
}

static void freeShared(napi_env env, void *data, void *hint) {
  (void)hint;
  Shared *shared = data;
  napi_delete_reference(env, shared->constructor);
  napi_delete_reference(env, shared->callbackKey);
  free(shared->scratch);
  free(shared);
}

// ---- the peer of a node:net TCP socket --------------------------------------------------------

/** Writes n in decimal at p; returns the end. */
static char *writeDecimal(char *p, unsigned n) {
  char digits[10];
  int count = 0;
  do {
    digits[count++] = (char)('0' + n % 10);
    n /= 10;
  } while (n > 0);
  while (count > 0) *p++ = digits[--count];
  return p;
}

/**
 * The one argument of a call on a node:net socket's descriptor: an integer, or 0 returned with a
 * TypeError thrown (a missing argument is undefined, so a TypeError too).
 */
static int fdArg(napi_env env, napi_callback_info info, int32_t *fd) {
  size_t argc = 1;
  napi_value argv[1], self;
  if (getArgs(env, info, &argc, argv, &self) == NULL) return 0;
  return int32Arg(env, argv[0], fd);
}

/**
 * inetPeerName(fd): the peer of a connected AF_INET or AF_INET6 socket, from one getpeername(2), as
 * "host:port" or "[host]:port", the host written as Node writes socket.remoteAddress (libuv's
 * inet_ntop, and a link-local IPv6 address with its %interface); null where the call fails (ENOTCONN:
 * the peer has gone; EBADF) or the socket is not AF_INET or AF_INET6, as Node's answer is then empty.
 *
 * One of the two calls here on node:net sockets: a TCP server names every peer it accepts, and Node's
 * handle.getpeername() fills an object through three V8 property stores and formats an IPv4 address
 * with snprintf(), about 4,700 instructions, some 3 % of what the server spends on a whole session
 * of the lab's client (callgrind, BENCHMARKS.md). This costs about 600.
 */
static napi_value jsInetPeerName(napi_env env, napi_callback_info info) {
  napi_value result;
  int32_t fd;
  if (!fdArg(env, info, &fd)) return NULL;
  struct sockaddr_storage peer;
  socklen_t len = sizeof peer;
  char text[INET6_ADDRSTRLEN + UV_IF_NAMESIZE + 16];
  char *p = text;
  int failed = getpeername(fd, (struct sockaddr *)&peer, &len) < 0;
  if (failed || (peer.ss_family != AF_INET && peer.ss_family != AF_INET6)) {
    CALL(env, napi_get_null(env, &result));
    return result;
  }
  if (peer.ss_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)&peer;
    const unsigned char *octet = (const unsigned char *)&in->sin_addr;
    for (int i = 0; i < 4; i++) {
      p = writeDecimal(p, octet[i]);
      *p++ = i < 3 ? '.' : ':';
    }
    p = writeDecimal(p, ntohs(in->sin_port));
  } else { // AF_INET6
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&peer;
    *p++ = '[';
    uv_inet_ntop(AF_INET6, &in6->sin6_addr, p, INET6_ADDRSTRLEN); // cannot fail: the room is there
    p += strlen(p);
    if (IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr) && in6->sin6_scope_id > 0) {
      *p++ = '%';
      size_t room = UV_IF_NAMESIZE;
      // The interface's name; its number where it has none any more (Node would throw there).
      if (uv_if_indextoiid(in6->sin6_scope_id, p, &room) == 0) p += strlen(p);
      else p = writeDecimal(p, in6->sin6_scope_id);
    }
    *p++ = ']';
    *p++ = ':';
    p = writeDecimal(p, ntohs(in6->sin6_port));
  }
  CALL(env, napi_create_string_latin1(env, text, (size_t)(p - text), &result));
  return result;
}

/**
 * shutdownWrite(fd): shutdown(fd, SHUT_WR) on a connected node:net stream socket (TCP, or AF_UNIX
 * through net.Socket): null, or the failed call's code ("ENOTCONN": the peer has gone; "EBADF").
 *
 * The other call here on node:net sockets. A server shuts its side right behind its reply (and a
 * client behind its message), and Node's socket.end() makes this same call one turn of the event
 * loop later: it builds a request object, asks epoll for POLLOUT, and calls back through its stream
 * code when the call is made, about 9,000 instructions a session of the lab's client (callgrind,
 * BENCHMARKS.md). The caller makes it only where the kernel already has every byte written, so the
 * FIN goes where Node's would.
 */
static napi_value jsShutdownWrite(napi_env env, napi_callback_info info) {
  napi_value result;
  int32_t fd;
  if (!fdArg(env, info, &fd)) return NULL;
  if (shutdown(fd, SHUT_WR) == 0) {
    CALL(env, napi_get_null(env, &result));
    return result;
  }
  int err = errno;
  CALL(env, napi_create_string_utf8(env, uv_err_name(-err), NAPI_AUTO_LENGTH, &result));
  return result;
}

static void setConstant(napi_env env, napi_value target, const char *name, int value) {
  napi_set_named_property(env, target, name, int32Value(env, value));
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      {"bind", NULL, jsBind, NULL, NULL, NULL, napi_default, NULL},
      {"listen", NULL, jsListen, NULL, NULL, NULL, napi_default, NULL},
      {"accept", NULL, jsAccept, NULL, NULL, NULL, napi_default, NULL},
      {"connect", NULL, jsConnect, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, jsSend, NULL, NULL, NULL, napi_default, NULL},
      {"recv", NULL, jsRecv, NULL, NULL, NULL, napi_default, NULL},
      {"shutdown", NULL, jsShutdown, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, jsClose, NULL, NULL, NULL, napi_default, NULL},
      {"getsockopt", NULL, jsGetsockopt, NULL, NULL, NULL, napi_default, NULL},
      {"setsockopt", NULL, jsSetsockopt, NULL, NULL, NULL, napi_default, NULL},
      {"peercred", NULL, jsPeercred, NULL, NULL, NULL, napi_default, NULL},
      {"sockname", NULL, jsSockname, NULL, NULL, NULL, napi_default, NULL},
      {"peername", NULL, jsPeername, NULL, NULL, NULL, napi_default, NULL},
      {"watch", NULL, jsWatch, NULL, NULL, NULL, napi_default, NULL},
      {"unwatch", NULL, jsUnwatch, NULL, NULL, NULL, napi_default, NULL},
      {"pollout", NULL, jsPollout, NULL, NULL, NULL, napi_default, NULL},
      {"fd", NULL, NULL, jsFd, NULL, NULL, napi_default, NULL},
  };
  Shared *data = calloc(1, sizeof *data);
  if (data == NULL) return NULL;
  CALL(env, napi_set_instance_data(env, data, freeShared, NULL));
  CALL(env, napi_add_async_cleanup_hook(env, onEnvEnding, data, NULL));
  napi_value cons;
  CALL(env, napi_define_class(env, "UnixSocket", NAPI_AUTO_LENGTH, construct, NULL,
                              sizeof methods / sizeof methods[0], methods, &cons));
  CALL(env, napi_create_reference(env, cons, 1, &data->constructor));
  napi_value description, key;
  CALL(env, napi_create_string_utf8(env, "UnixSocket watch callback", NAPI_AUTO_LENGTH, &description));
  CALL(env, napi_create_symbol(env, description, &key));
  CALL(env, napi_create_reference(env, key, 1, &data->callbackKey));
  CALL(env, napi_set_named_property(env, exports, "UnixSocket", cons));

  napi_value constants;
  CALL(env, napi_create_object(env, &constants));
  setConstant(env, constants, "SOCK_STREAM", SOCK_STREAM);
  setConstant(env, constants, "SOCK_DGRAM", SOCK_DGRAM);
  setConstant(env, constants, "SOCK_SEQPACKET", SOCK_SEQPACKET);
  setConstant(env, constants, "SOL_SOCKET", SOL_SOCKET);
  setConstant(env, constants, "SO_SNDBUF", SO_SNDBUF);
  setConstant(env, constants, "SO_RCVBUF", SO_RCVBUF);
  setConstant(env, constants, "SO_SNDBUFFORCE", SO_SNDBUFFORCE);
  setConstant(env, constants, "SO_RCVBUFFORCE", SO_RCVBUFFORCE);
  setConstant(env, constants, "SO_PASSCRED", SO_PASSCRED);
  setConstant(env, constants, "SO_ERROR", SO_ERROR);
  setConstant(env, constants, "SO_TYPE", SO_TYPE);
  setConstant(env, constants, "SO_ACCEPTCONN", SO_ACCEPTCONN);
  setConstant(env, constants, "SO_DOMAIN", SO_DOMAIN);
  setConstant(env, constants, "SHUT_RD", SHUT_RD);
  setConstant(env, constants, "SHUT_WR", SHUT_WR);
  setConstant(env, constants, "SHUT_RDWR", SHUT_RDWR);
  setConstant(env, constants, "MSG_TRUNC", MSG_TRUNC);
  setConstant(env, constants, "MSG_CTRUNC", MSG_CTRUNC);
  setConstant(env, constants, "MSG_EOR", MSG_EOR);
  setConstant(env, constants, "UNIX_PATH_MAX", (int)sizeof(((struct sockaddr_un *)0)->sun_path));
  CALL(env, napi_set_named_property(env, exports, "constants", constants));
  napi_value peerName;
  CALL(env, napi_create_function(env, "inetPeerName", NAPI_AUTO_LENGTH, jsInetPeerName, NULL, &peerName));
  CALL(env, napi_set_named_property(env, exports, "inetPeerName", peerName));
  napi_value shutdownWrite;
  CALL(env, napi_create_function(env, "shutdownWrite", NAPI_AUTO_LENGTH, jsShutdownWrite, NULL,
                                 &shutdownWrite));
  CALL(env, napi_set_named_property(env, exports, "shutdownWrite", shutdownWrite));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)

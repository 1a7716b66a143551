"""
Waiting for a line in a log file without polling it.

The handshake figure is the time from a client's start to its "Initialization Sequence Completed" line. Polling
the log every millisecond keeps a Python process waking up a thousand times a second on the same two cores the
client and server run on: it preempts them (sched_switch shows the client put off the CPU every ~0.4 ms) and
slows a multi-threaded process more than a single-threaded one. inotify sleeps until the file's directory
changes, so the wait costs nothing while the processes under test run; both implementations are measured the same
way. Falls back to polling where inotify is unavailable.
"""
import ctypes
import ctypes.util
import os
import select
import time

_IN_MODIFY = 0x002
_IN_CLOSE_WRITE = 0x008
_IN_MOVED_TO = 0x080
_IN_CREATE = 0x100

try:
    _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    _libc.inotify_init1.argtypes = [ctypes.c_int]
    _libc.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
except (OSError, AttributeError):
    _libc = None


class LogWatch:
    """Wakes on any write to, or creation of, files in one directory (the log's); poll() otherwise."""

    def __init__(self, path, poll_interval=0.001):
        self.path = path
        self.poll_interval = poll_interval
        self.fd = -1
        if _libc is not None:
            fd = _libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
            if fd >= 0:
                directory = (os.path.dirname(os.path.abspath(path)) or ".").encode()
                if _libc.inotify_add_watch(fd, directory, _IN_MODIFY | _IN_CLOSE_WRITE | _IN_MOVED_TO | _IN_CREATE) >= 0:
                    self.fd = fd
                else:
                    os.close(fd)

    def wait(self, timeout):
        """Returns after the directory changed, or after at most `timeout` seconds."""
        if self.fd < 0:
            time.sleep(min(timeout, self.poll_interval))
            return
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if ready:
            try:
                os.read(self.fd, 65536)
            except BlockingIOError:
                pass

    def close(self):
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

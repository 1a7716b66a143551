using System.Runtime.InteropServices;

namespace SharpVpn.Platform.Interop;

/// <summary>
/// Owns a file descriptor. Callers take a reference (<see cref="SafeHandle.DangerousAddRef"/>)
/// around each system call, so Dispose on another thread never closes an fd that a blocked
/// read is still using (the classic fd-reuse race); the close happens when the last user leaves.
/// </summary>
internal sealed class FileDescriptorHandle : SafeHandle
{
    public FileDescriptorHandle(int fd) : base(new IntPtr(-1), ownsHandle: true) => SetHandle(new IntPtr(fd));

    public override bool IsInvalid => handle.ToInt64() < 0;

    public int Fd => (int)handle.ToInt64();

    protected override bool ReleaseHandle() => LibC.Close((int)handle.ToInt64()) == 0;
}

using System.Runtime.InteropServices;
using SharpVpn.Platform.Interop;

namespace SharpVpn.Platform;

/// <summary>A local account from the password database.</summary>
public readonly record struct UserAccount(string Name, uint Uid, uint Gid);

/// <summary>
/// OpenVPN's <c>user</c>/<c>group</c>: after the TUN device and sockets are open, give up root.
/// Order matters (as in o2 src/openvpn/platform.c): supplementary groups, then the group, then the
/// user, because after setuid we could no longer change groups. glibc's setuid/setgid apply to every
/// thread of the process (it broadcasts the change), which .NET's many threads need.
/// </summary>
public static unsafe class Privileges
{
    /// <summary>True when running with effective uid 0.</summary>
    public static bool IsRoot => LibC.GetEUid() == 0;

    /// <summary>Looks a user up by name (getpwnam_r). Throws with a clear message if there is no such user.</summary>
    public static UserAccount LookupUser(string name)
    {
        byte[] buffer = new byte[16384];
        LibC.Passwd pwd;
        LibC.Passwd* result = null;
        int error;
        fixed (byte* b = buffer)
        {
            error = LibC.GetPwNamR(name, &pwd, b, (nuint)buffer.Length, &result);
        }
        if (error != 0)
        {
            throw new InvalidOperationException($"Cannot look up user '{name}': {LibC.StrError(error)}.");
        }
        if (result == null)
        {
            throw new InvalidOperationException($"User '{name}' does not exist on this system (check the 'user' directive, or create it: useradd --system {name}).");
        }
        return new UserAccount(name, pwd.Uid, pwd.Gid);
    }

    /// <summary>Looks a group up by name (getgrnam_r). Throws with a clear message if there is no such group.</summary>
    public static uint LookupGroup(string name)
    {
        byte[] buffer = new byte[16384];
        LibC.Group grp;
        LibC.Group* result = null;
        int error;
        fixed (byte* b = buffer)
        {
            error = LibC.GetGrNamR(name, &grp, b, (nuint)buffer.Length, &result);
        }
        if (error != 0)
        {
            throw new InvalidOperationException($"Cannot look up group '{name}': {LibC.StrError(error)}.");
        }
        if (result == null)
        {
            throw new InvalidOperationException($"Group '{name}' does not exist on this system (check the 'group' directive; Debian calls it 'nogroup', others 'nobody').");
        }
        return grp.Gid;
    }

    /// <summary>
    /// Drops to <paramref name="user"/> and/or <paramref name="group"/> (null = unchanged; a user without a
    /// group takes the user's primary group, so root's group does not linger). Both names are looked up
    /// first, so a typo fails before anything changes.
    /// <paramref name="keepNetAdmin"/>: the calling thread keeps CAP_NET_ADMIN (and passes it to the ip/nft
    /// commands it starts, as an ambient capability), so routes and firewall rules can still be removed
    /// at shutdown; call Drop from the thread that will run that cleanup. Everything else is gone.
    /// </summary>
    /// <exception cref="InvalidOperationException">Unknown user/group, or a system call refused (message names it).</exception>
    public static void Drop(string? user, string? group, bool keepNetAdmin = false)
    {
        if (user is null && group is null)
        {
            return;
        }
        UserAccount? account = user is null ? null : LookupUser(user);
        uint? gid = group is not null ? LookupGroup(group) : account?.Gid;

        if (gid is uint g)
        {
            uint groups = g;
            Check(LibC.SetGroups(1, &groups), $"setgroups([{g}])");
            Check(LibC.SetGid(g), $"setgid({g}) for group '{group ?? user}'");
        }
        if (account is UserAccount a)
        {
            if (keepNetAdmin)
            {
                Check(LibC.Prctl(LibC.PR_SET_KEEPCAPS, 1, 0, 0, 0), "prctl(PR_SET_KEEPCAPS)");
            }
            Check(LibC.SetUid(a.Uid), $"setuid({a.Uid}) for user '{a.Name}'");
            if (keepNetAdmin)
            {
                LibC.CapHeader header = new() { Version = LibC.LINUX_CAPABILITY_VERSION_3, Pid = 0 };
                LibC.CapData* data = stackalloc LibC.CapData[2];
                uint bit = 1u << LibC.CAP_NET_ADMIN;
                data[0] = new LibC.CapData { Effective = bit, Permitted = bit, Inheritable = bit };
                data[1] = default;
                Check(LibC.CapSet(&header, data), "capset(CAP_NET_ADMIN)");
                Check(LibC.Prctl(LibC.PR_CAP_AMBIENT, LibC.PR_CAP_AMBIENT_RAISE, LibC.CAP_NET_ADMIN, 0, 0), "prctl(PR_CAP_AMBIENT_RAISE, CAP_NET_ADMIN)");
            }
            // Paranoia, as OpenVPN and OpenSSH do: root must be unreachable now.
            if (a.Uid != 0 && LibC.SetUid(0) == 0)
            {
                throw new InvalidOperationException($"Dropping privileges to '{a.Name}' failed: setuid(0) still succeeds.");
            }
        }
    }

    private static void Check(int result, string what)
    {
        if (result != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new InvalidOperationException($"Dropping privileges failed at {what}: {LibC.StrError(errno)}.");
        }
    }
}

using System.Runtime.InteropServices;

namespace SharpVpn.Runtime.Shared;

/// <summary>POSIX signal handlers that replace the default action (terminate) with ours.</summary>
internal static class SignalHandlers
{
    /// <summary>Raw Linux numbers: <see cref="PosixSignal"/> has no names for them.</summary>
    public const PosixSignal SigUsr1 = (PosixSignal)10;
    public const PosixSignal SigUsr2 = (PosixSignal)12;

    public static void Add(List<PosixSignalRegistration> registrations, PosixSignal signal, Action handler) =>
        registrations.Add(PosixSignalRegistration.Create(signal, ctx =>
        {
            ctx.Cancel = true;
            handler();
        }));
}

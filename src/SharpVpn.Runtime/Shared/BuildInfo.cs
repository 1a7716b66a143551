using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SharpVpn.Runtime.Shared;

/// <summary>What the first log line of the client and the server says about the build (OpenVPN's names its version and libraries).</summary>
internal static partial class BuildInfo
{
    /// <summary>
    /// ".NET 10.0.x": in a Native AOT executable the runtime is compiled in, so the version the build bundled is the
    /// one running, known without reflection; under the JIT (dotnet sharpvpn.dll) the runtime's own description.
    /// </summary>
    public static string Framework => RuntimeFeature.IsDynamicCodeSupported
        ? RuntimeInformation.FrameworkDescription
        : ".NET " + BundledRuntimeVersion;

    /// <summary>The start-up line's bracket: "[.NET 10.0.x, Debian GNU/Linux 12 (bookworm)]".</summary>
    public static string Platform => $"[{Framework}, {RuntimeInformation.OSDescription.Trim()}]";
}

using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// <c>plugin openvpn-plugin-auth-pam.so SERVICE</c>: our server (which talks to PAM itself) and the real openvpn 2.6
/// server (with the real plugin) with the same config and the same PAM service, a test service whose pam_exec
/// module accepts one username and password; the real openvpn client logs in with them, a wrong password is refused.
/// The service file is created in /etc/pam.d for the test and removed after it.
/// </summary>
[Trait("Category", "Interop")]
public sealed class PamPluginInteropTests(ITestOutputHelper output)
{
    private const string Plugin = "/usr/lib/x86_64-linux-gnu/openvpn/plugins/openvpn-plugin-auth-pam.so";
    private static readonly TimeSpan StartTimeout = ServerScenario.StartTimeout;

    [Fact]
    public async Task AuthPamPlugin_AcceptsTheRightPasswordAndRefusesAWrongOne_OnOurServerAndTheRealOne()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        Assert.True(File.Exists(Plugin), $"{Plugin} (openvpn package) is missing");
        string service = $"sharpvpn-test-{s.Lab.Prefix}";
        string pamFile = Path.Combine("/etc/pam.d", service);
        // pam_exec hands the password to the program on stdin (expose_authtok), the username in PAM_USER.
        string check = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, "pam-check.sh"), """
            #!/bin/bash
            IFS= read -r -d '' password
            [ "$PAM_USER" = "traveller" ] && [ "$password" = "pam s3cret" ]
            """);
        File.WriteAllText(pamFile, $"auth required pam_exec.so expose_authtok quiet {check}\naccount required pam_permit.so\n");
        try
        {
            foreach (bool real in new[] { false, true })
            {
                await s.StartEitherServerAsync(OpenVpnVariant.Modern, real, edit: text => text + $"plugin {Plugin} {service}\n");
                LabProcess refused = s.StartRealClient(ScriptFiles.ClientWithPassword(s, $"bad-{real}", "traveller", "wrong"));
                await refused.WaitForOutputAsync("AUTH_FAILED", StartTimeout);

                LabProcess accepted = s.StartRealClient(ScriptFiles.ClientWithPassword(s, $"good-{real}", "traveller", "pam s3cret"));
                await accepted.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
                await s.AssertIntranetReachableAsync();
                if (!real)
                {
                    Assert.Contains(s.Server!.Lines, l => l.Contains($"PAM service '{service}' refused user 'traveller'", StringComparison.Ordinal));
                }

                output.WriteLine($"{(real ? "openvpn" : "sharpvpn")} server: PAM refused the wrong password and accepted the right one");
                await accepted.StopAsync();
                await refused.StopAsync();
            }
        }
        finally
        {
            File.Delete(pamFile);
        }
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SharpVpn.Runtime.Shared;
using SharpVpn.Tls;

namespace SharpVpn.Runtime.Server;

/// <summary>
/// What OpenVPN's auth-pam plugin does (<c>plugin openvpn-plugin-auth-pam.so SERVICE</c>), done by SharpVPN itself
/// through libpam: <c>pam_authenticate</c> then <c>pam_acct_mgmt</c> on SERVICE, answering the service's prompts with
/// the client's username (echo-on prompts) and password (echo-off prompts), as the plugin does without name/value
/// pairs. Runs on the thread pool (PAM modules may block or sleep after a failure).
/// </summary>
internal sealed partial class PamAuthenticator(string service)
{
    private const int PamSuccess = 0;
    private const int PamPromptEchoOff = 1;
    private const int PamPromptEchoOn = 2;
    private const int PamConvErr = 19;

    public string Service { get; } = service;

    public Task<UserPassVerdict> VerifyAsync(string username, string password) => Task.Run(() => Verify(username, password));

    private unsafe UserPassVerdict Verify(string username, string password)
    {
        var answers = new Answers(OpenVpnStringMod.ReplaceControls(username), password);
        GCHandle handle = GCHandle.Alloc(answers);
        try
        {
            var conversation = new PamConv { Converse = &Converse, AppData = GCHandle.ToIntPtr(handle) };
            int status = PamStart(Service, answers.Username, &conversation, out nint pam);
            if (status != PamSuccess)
            {
                return new UserPassVerdict($"PAM service '{Service}' could not start (pam_start: {status})");
            }

            try
            {
                status = PamAuthenticate(pam, 0);
                if (status == PamSuccess)
                {
                    status = PamAcctMgmt(pam, 0);
                }

                return status == PamSuccess
                    ? UserPassVerdict.Accepted
                    : new UserPassVerdict($"PAM service '{Service}' refused user '{answers.Username}': {Marshal.PtrToStringUTF8(PamStrError(pam, status))}");
            }
            finally
            {
                _ = PamEnd(pam, status);
            }
        }
        finally
        {
            handle.Free();
        }
    }

    /// <summary>PAM's conversation: one malloc'ed answer per prompt (PAM frees them), none for its messages.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe int Converse(int count, PamMessage** messages, PamResponse** responses, nint appData)
    {
        if (count <= 0 || GCHandle.FromIntPtr(appData).Target is not Answers answers)
        {
            return PamConvErr;
        }

        var replies = (PamResponse*)NativeMemory.AllocZeroed((nuint)count, (nuint)sizeof(PamResponse));
        for (int i = 0; i < count; i++)
        {
            string? answer = messages[i]->Style switch
            {
                PamPromptEchoOn => answers.Username,
                PamPromptEchoOff => answers.Password,
                _ => null, // PAM_ERROR_MSG, PAM_TEXT_INFO: nothing to answer
            };
            replies[i].Response = answer is null ? 0 : Marshal.StringToCoTaskMemUTF8(answer); // malloc on Unix
        }

        *responses = replies;
        return PamSuccess;
    }

    private sealed record Answers(string Username, string Password);

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct PamConv
    {
        public delegate* unmanaged[Cdecl]<int, PamMessage**, PamResponse**, nint, int> Converse;
        public nint AppData;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PamMessage
    {
        public int Style;
        public nint Text;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PamResponse
    {
        public nint Response;
        public int ReturnCode;
    }

    [LibraryImport("libpam.so.0", EntryPoint = "pam_start", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int PamStart(string service, string user, PamConv* conversation, out nint pam);

    [LibraryImport("libpam.so.0", EntryPoint = "pam_authenticate")]
    private static partial int PamAuthenticate(nint pam, int flags);

    [LibraryImport("libpam.so.0", EntryPoint = "pam_acct_mgmt")]
    private static partial int PamAcctMgmt(nint pam, int flags);

    [LibraryImport("libpam.so.0", EntryPoint = "pam_end")]
    private static partial int PamEnd(nint pam, int status);

    [LibraryImport("libpam.so.0", EntryPoint = "pam_strerror")]
    private static partial nint PamStrError(nint pam, int status);
}

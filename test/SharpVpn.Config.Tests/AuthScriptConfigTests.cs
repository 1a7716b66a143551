namespace SharpVpn.Config.Tests;

/// <summary>
/// <c>auth-user-pass-verify CMD via-file|via-env</c>, <c>script-security</c> and <c>tmp-dir</c> on a server: what the
/// runtime gets, and the mistakes that would otherwise fail every client later (each named with file and line).
/// </summary>
public sealed class AuthScriptConfigTests
{
    private static ServerConfig Server(string extra, Action<TempConfigDir>? files = null) => ServerSnippet.Parse(extra, files);

    private static string ServerError(string extra, Action<TempConfigDir>? files = null) => ServerSnippet.Error(extra, files);

    private static void Script(TempConfigDir dir, string name, bool executable = true)
    {
        string path = dir.Write(name, "#!/bin/sh\nexit 0\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, executable
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                : UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    [Fact]
    public void ViaFile_ScriptSecurity2_CommandSplitIntoWords_RelativeProgramFromTheConfigDirectory()
    {
        string? dir = null;
        ServerConfig c = Server("script-security 2\nauth-user-pass-verify \"check.sh --realm 'Head Office' x\" via-file\n",
            d => { Script(d, "check.sh"); dir = d.DirectoryPath; });
        UserPassVerifyScript v = Assert.IsType<UserPassVerifyScript>(c.AuthUserPassVerify);
        Assert.False(v.ViaEnv);
        Assert.Equal([Path.Combine(dir!, "check.sh"), "--realm", "Head Office", "x"], v.Command);
        Assert.Null(c.TmpDir);
    }

    [Fact]
    public void ViaEnv_WithScriptSecurity3_AndTmpDir()
    {
        ServerConfig c = Server("script-security 3\nauth-user-pass-verify /bin/true via-env\ntmp-dir /run/sharpvpn\n");
        Assert.True(c.AuthUserPassVerify!.ViaEnv);
        Assert.Equal(["/bin/true"], c.AuthUserPassVerify.Command);
        Assert.Equal("/run/sharpvpn", c.TmpDir);
    }

    [Fact]
    public void TlsVerify_OnBothSides_WithScriptSecurity2_ElseAnErrorNamingTheLine()
    {
        Assert.Equal(["/bin/true", "ca-list"], Server("script-security 2\ntls-verify \"/bin/true ca-list\"\n").Tls.TlsVerify);
        using var dir = new TempConfigDir().WithScenarioFiles();
        ClientConfig c = ConfigParser.ParseClientFromText(ScenarioConfigTests.ScenarioClientConf + "\nscript-security 2\ntls-verify /bin/true\n", "client.conf", dir.DirectoryPath);
        Assert.Equal(["/bin/true"], c.Tls.TlsVerify);
        string error = ServerError("tls-verify /bin/true\n");
        Assert.Contains("server.conf:", error, StringComparison.Ordinal);
        Assert.Contains("needs 'script-security 2' or higher", error, StringComparison.Ordinal);

        string? exportDir = null;
        ServerConfig export = Server("script-security 2\ntls-verify /bin/true\ntls-export-cert certs\n",
            d => exportDir = Directory.CreateDirectory(Path.Combine(d.DirectoryPath, "certs")).FullName);
        Assert.Equal(exportDir, export.Tls.ExportCertDirectory);
        Assert.Contains("directory 'missing' does not exist", ServerError("script-security 2\ntls-verify /bin/true\ntls-export-cert missing\n"), StringComparison.Ordinal);
        Assert.Contains(Server("tls-export-cert /tmp\n").Warnings, w => w.Contains("has no effect without tls-verify", StringComparison.Ordinal));
    }

    [Fact]
    public void TlsCryptV2Verify_ACommand_AndAWarningWithoutTlsCryptV2()
    {
        ServerConfig c = Server("script-security 2\ntls-crypt-v2-verify \"/bin/true revoked-keys\"\n");
        Assert.Equal(["/bin/true", "revoked-keys"], c.TlsCryptV2Verify);
        Assert.Contains(c.Warnings, w => w.Contains("has no effect without tls-crypt-v2", StringComparison.Ordinal));
    }

    [Fact]
    public void LearnAddress_WithScriptSecurity2_ElseAnErrorNamingTheLine()
    {
        ServerConfig c = Server("script-security 2\nlearn-address \"/bin/true fw\"\n");
        Assert.Equal(["/bin/true", "fw"], c.LearnAddress);
        string error = ServerError("learn-address /bin/true\n");
        Assert.Contains("server.conf:", error, StringComparison.Ordinal);
        Assert.Contains("needs 'script-security 2' or higher", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ClientConnectAndDisconnect_WithScriptSecurity2()
    {
        ServerConfig c = Server("script-security 2\nclient-connect \"/bin/true connect\"\nclient-disconnect /bin/true\n");
        Assert.Equal(["/bin/true", "connect"], c.ClientConnect);
        Assert.Equal(["/bin/true"], c.ClientDisconnect);
        Assert.Contains("option 'client-disconnect': needs 'script-security 2' or higher to run '/bin/true'; it is 1",
            ServerError("client-disconnect /bin/true\n"), StringComparison.Ordinal);
        Assert.Contains("option 'client-connect': program '/nonexistent/cc' does not exist",
            ServerError("script-security 2\nclient-connect /nonexistent/cc\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutTheOption_NoScript()
    {
        ServerConfig c = Server("script-security 2\n");
        Assert.Null(c.AuthUserPassVerify);
        Assert.Null(c.ClientConnect);
        Assert.Null(c.ClientDisconnect);
    }

    [Fact]
    public void ViaEnv_NeedsScriptSecurity3_BecauseThePasswordGoesIntoTheEnvironment()
    {
        string message = ServerError("script-security 2\nauth-user-pass-verify /bin/true via-env\n");
        Assert.StartsWith("server.conf:", message, StringComparison.Ordinal);
        Assert.Contains("option 'auth-user-pass-verify': via-env needs 'script-security 3'", message, StringComparison.Ordinal);
        Assert.Contains("Use via-file with 'script-security 2'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingOrNotExecutableProgram_OrBadQuoting_AreErrorsNamingIt()
    {
        Assert.Contains("program '/nonexistent/check' does not exist",
            ServerError("script-security 2\nauth-user-pass-verify /nonexistent/check via-file\n"), StringComparison.Ordinal);
        Assert.Contains("check.sh' is not executable (chmod +x)",
            ServerError("script-security 2\nauth-user-pass-verify check.sh via-file\n", d => Script(d, "check.sh", executable: false)), StringComparison.Ordinal);
        Assert.Contains("cannot split the command",
            ServerError("script-security 2\nauth-user-pass-verify \"/bin/true 'open\" via-file\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void OnAClient_ItIsIgnoredWithAWarning()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        ClientConfig c = ConfigParser.ParseClientFromText(
            ScenarioConfigTests.ScenarioClientConf + "\nscript-security 2\nauth-user-pass-verify /bin/true via-file\n", "client.conf", dir.DirectoryPath);
        Assert.Contains(c.Warnings, w => w.Contains("option 'auth-user-pass-verify': only applies to servers", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("a b  c", new[] { "a", "b", "c" })]
    [InlineData("\"a b\" c", new[] { "a b", "c" })]
    [InlineData("'a \"b' c", new[] { "a \"b", "c" })]
    [InlineData("a\\ b", new[] { "a b" })]
    [InlineData("\"\"", new[] { "" })]
    [InlineData("   ", new string[0])]
    public void SplitCommand_LikeOpenVpnsArgvParseCmd(string command, string[] expected)
    {
        Assert.Equal(expected, ScriptCommandLine.Split(command));
    }

    [Theory]
    [InlineData("none", VerifyClientCert.None)]
    [InlineData("optional", VerifyClientCert.Optional)]
    public void VerifyClientCertNoneOrOptional_NeedsTheScript_AndIsWarnedAbout(string mode, VerifyClientCert expected)
    {
        Assert.Contains("none|optional must be used with an auth-user-pass-verify script", ServerError($"verify-client-cert {mode}\n"), StringComparison.Ordinal);
        ServerConfig c = Server($"verify-client-cert {mode}\nscript-security 2\nauth-user-pass-verify check.sh via-file\n", d => Script(d, "check.sh"));
        Assert.Equal(expected, c.Tls.VerifyClientCert);
        Assert.Contains(c.Warnings, w => w.Contains("POTENTIALLY DANGEROUS OPTION --verify-client-cert none|optional", StringComparison.Ordinal));
        Assert.Contains("'maybe' is not one of none|optional|require", ServerError("verify-client-cert maybe\n"), StringComparison.Ordinal);
    }
}

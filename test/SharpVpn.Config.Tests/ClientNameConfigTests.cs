namespace SharpVpn.Config.Tests;

/// <summary>
/// <c>username-as-common-name</c> and <c>x509-username-field</c> as OpenVPN 2.6 reads them (options.c), with the real
/// openvpn as referee for what it accepts, refuses and shows.
/// </summary>
public sealed class ClientNameConfigTests
{
    private const string MinimalServer = "dev tun\ndh none\nca ca.crt\ncert server.crt\nkey server.key\nserver 10.0.1.0 255.255.255.0\n";
    private const string UserPassVerify = "script-security 2\nauth-user-pass-verify /bin/true via-file\n";

    private const int SslfUsernameAsCommonName = 1 << 2; // ssl_common.h SSLF_USERNAME_AS_COMMON_NAME

    [Fact]
    public void UsernameAsCommonName_WithAuthUserPassVerify_IsOn_AndOffByDefault()
    {
        Assert.True(ServerSnippet.Parse(UserPassVerify + "username-as-common-name\n").UsernameAsCommonName);
        Assert.False(ServerSnippet.Parse(UserPassVerify).UsernameAsCommonName);
    }

    [Fact]
    public void UsernameAsCommonName_ShowsInOpenVpnsSslFlags()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        string with = dir.Write("with.conf", MinimalServer + UserPassVerify + "username-as-common-name\n");
        string without = dir.Write("without.conf", MinimalServer + UserPassVerify);

        Assert.True(ConfigParser.ParseServer(with).UsernameAsCommonName);
        Assert.Equal(SslfUsernameAsCommonName, int.Parse(OpenVpnReferee.Settings(with).One("ssl_flags"), System.Globalization.CultureInfo.InvariantCulture) & SslfUsernameAsCommonName);
        Assert.Equal(0, int.Parse(OpenVpnReferee.Settings(without).One("ssl_flags"), System.Globalization.CultureInfo.InvariantCulture) & SslfUsernameAsCommonName);
    }

    [Fact]
    public void UsernameAsCommonName_WithoutAuthUserPassVerify_IsRefusedByBoth_NamingTheLine()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        string path = dir.Write("server.conf", MinimalServer + "username-as-common-name\n");

        Assert.False(OpenVpnReferee.AcceptsOptions(path, out string output), output);
        Assert.Contains("--username-as-common-name must be used with", output, StringComparison.Ordinal);
        ConfigException ex = Assert.Throws<ConfigException>(() => ConfigParser.ParseServer(path));
        Assert.Equal(7, ex.Line);
        Assert.Contains("needs 'auth-user-pass-verify'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UsernameAsCommonName_InAClientConfig_IsRefusedByBoth()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        string path = dir.Write("client.conf", "client\ndev tun\nremote 127.0.0.1\nca ca.crt\ncert client.crt\nkey client.key\nusername-as-common-name\n");

        Assert.False(OpenVpnReferee.AcceptsOptions(path, out string output), output);
        Assert.Contains("--username-as-common-name requires --mode server", output, StringComparison.Ordinal);
        ConfigException ex = Assert.Throws<ConfigException>(() => ConfigParser.ParseClient(path));
        Assert.Equal(7, ex.Line);
    }

    [Fact]
    public void X509UsernameField_DefaultsToCn()
    {
        Assert.Equal([X509UsernameField.CommonName], ServerSnippet.Parse(string.Empty).Tls.X509UsernameFields);
    }

    [Fact]
    public void X509UsernameField_Forms_AsOpenVpnReadsThem()
    {
        ServerConfig c = ServerSnippet.Parse("x509-username-field emailAddress OU ext:subjectAltName serialNumber 2.5.4.12 UID ext:issuerAltName\n");
        Assert.Equal(
        [
            new X509UsernameField("emailAddress", X509UsernameSource.SubjectAttribute, "1.2.840.113549.1.9.1"),
            new X509UsernameField("OU", X509UsernameSource.SubjectAttribute, "2.5.4.11"),
            new X509UsernameField("ext:subjectAltName", X509UsernameSource.AltNameEmail, "2.5.29.17"),
            new X509UsernameField("serialNumber", X509UsernameSource.CertificateSerial, null),
            new X509UsernameField("2.5.4.12", X509UsernameSource.SubjectAttribute, "2.5.4.12"),
            new X509UsernameField("UID", X509UsernameSource.SubjectAttribute, "0.9.2342.19200300.100.1.1"),
            new X509UsernameField("ext:issuerAltName", X509UsernameSource.AltNameEmail, "2.5.29.18"),
        ], c.Tls.X509UsernameFields);
        Assert.DoesNotContain(c.Warnings, w => w.Contains("x509-username-field", StringComparison.Ordinal));
    }

    [Fact]
    public void X509UsernameField_AllLowerCase_IsUpcasedWithAWarning_AsOpenVpnDoes()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        string path = dir.Write("server.conf", MinimalServer + "x509-username-field ou\n");

        ServerConfig c = ConfigParser.ParseServer(path);
        Assert.Equal("OU", Assert.Single(c.Tls.X509UsernameFields).Text);
        Assert.Contains(c.Warnings, w => w.Contains("server.conf:7", StringComparison.Ordinal) && w.Contains("'ou' is upcased to 'OU'", StringComparison.Ordinal));
        Assert.True(OpenVpnReferee.AcceptsOptions(path, out string output), output);
        Assert.Contains("automatically upcased the --x509-username-field parameter to 'OU'", output, StringComparison.Ordinal);
    }

    [Fact]
    public void X509UsernameField_AnUnsupportedExtension_IsRefusedByBoth_NamingTheLine()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        string path = dir.Write("server.conf", MinimalServer + "x509-username-field ext:keyUsage\n");

        Assert.False(OpenVpnReferee.AcceptsOptions(path, out string output), output);
        Assert.Contains("Unsupported x509-username-field extension: ext:keyUsage", output, StringComparison.Ordinal);
        ConfigException ex = Assert.Throws<ConfigException>(() => ConfigParser.ParseServer(path));
        Assert.Equal(7, ex.Line);
        Assert.Contains("Unsupported x509-username-field extension: ext:keyUsage", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("street", "'STREET' ('street' upcased")] // OpenVPN upcases it into a name OpenSSL does not know
    [InlineData("EMAIL", "'EMAIL' is no certificate field")]
    public void X509UsernameField_ANameOpenSslDoesNotKnow_IsAnError(string field, string expected)
    {
        string error = ServerSnippet.Error($"x509-username-field {field}\n");
        Assert.Contains("server.conf:", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void X509UsernameField_ALaterOccurrence_OverwritesFromTheFirstField_AsOpenVpn()
    {
        ServerConfig c = ServerSnippet.Parse("x509-username-field emailAddress OU\nx509-username-field CN\n");
        Assert.Equal(["CN", "OU"], c.Tls.X509UsernameFields.Select(f => f.Text));
    }

    [Fact]
    public void X509UsernameField_OnAClient_IsParsed()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        ClientConfig c = ConfigParser.ParseClientFromText(ScenarioConfigTests.ScenarioClientConf + "\nx509-username-field emailAddress\n", "client.conf", dir.DirectoryPath);
        Assert.Equal("emailAddress", Assert.Single(c.Tls.X509UsernameFields).Text);
    }
}

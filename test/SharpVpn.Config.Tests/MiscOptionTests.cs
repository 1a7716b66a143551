namespace SharpVpn.Config.Tests;

public sealed class MiscOptionTests
{
    [Fact]
    public void ManagementUnixSocketWithPasswordFile_CdAndCrl()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        dir.Write("keys/crl.pem", TempConfigDir.CrlPem);
        dir.Write("keys/ca.crt", TempConfigDir.CaPem);
        dir.Write("mgmt.pw", "hunter2\n");
        dir.Write("keys/pass.txt", "keypass\r\n");
        ServerConfig c = ConfigParser.ParseServerFromText("""
            management /run/sharpvpn/mgmt.sock unix mgmt.pw
            cd keys
            dev tun
            dh none
            ca ca.crt
            cert ../server.crt
            key ../server.key
            askpass pass.txt
            crl-verify crl.pem
            server 10.8.0.0 255.255.255.0
            topology subnet
            auth SHA512
            compress migrate
            """, "s.conf", dir.DirectoryPath);
        Assert.Equal("/run/sharpvpn/mgmt.sock", c.Logging.Management!.UnixSocketPath);
        Assert.True(c.Logging.Management.IsUnixSocket);
        Assert.Equal("hunter2", c.Logging.Management.Password);
        Assert.Equal(Path.Combine(dir.DirectoryPath, "keys"), c.BaseDirectory);
        Assert.Equal(Path.Combine(dir.DirectoryPath, "keys", "crl.pem"), c.Tls.CrlPath);
        Assert.Equal(TempConfigDir.CrlPem, c.Tls.CrlPem);
        Assert.Equal("keypass", c.Tls.PrivateKeyPassword);
        Assert.Equal("SHA512", c.DataChannel.Auth);
        Assert.Equal(CompressionMode.Migrate, c.DataChannel.Compression);
    }

    [Fact]
    public void InlineCrlAndExtraCerts()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        ServerConfig c = ConfigParser.ParseServerFromText(
            "dev tun\ndh none\nca ca.crt\ncert server.crt\nkey server.key\nserver 10.8.0.0 255.255.255.0\n<crl-verify>\n" + TempConfigDir.CrlPem + "</crl-verify>\n<extra-certs>\n" + TempConfigDir.CaPem + "</extra-certs>\n",
            "s.conf", dir.DirectoryPath);
        Assert.Null(c.Tls.CrlPath);
        Assert.Equal(TempConfigDir.CrlPem, c.Tls.CrlPem);
        Assert.Equal(TempConfigDir.CaPem, c.Tls.ExtraCertsPem);
    }

    [Fact]
    public void CompressionVariants_MapToFraming()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        string Conf(string line) => ScenarioConfigTests.ScenarioClientConf.Replace("comp-lzo\n", line + "\n", StringComparison.Ordinal);
        CompressionMode Mode(string line) => ConfigParser.ParseClientFromText(Conf(line), "c.conf", dir.DirectoryPath).DataChannel.Compression;
        Assert.Equal(CompressionMode.Lzo, Mode("comp-lzo yes"));
        Assert.Equal(CompressionMode.Lzo, Mode("comp-lzo adaptive"));
        Assert.Equal(CompressionMode.LzoNo, Mode("comp-lzo no"));
        Assert.Equal(CompressionMode.Stub, Mode("compress"));
        Assert.Equal(CompressionMode.StubV2, Mode("compress stub-v2"));
        Assert.Equal(CompressionMode.Lz4, Mode("compress lz4"));
        Assert.Equal(CompressionMode.Lz4V2, Mode("compress lz4-v2"));
        Assert.Equal(CompressionMode.Lzo, Mode("compress lzo"));
        Assert.Equal(CompressionMode.None, Mode("# no compression"));
        var ex = Assert.Throws<ConfigException>(() => Mode("compress migrate"));
        Assert.Equal("c.conf:15: option 'compress': 'migrate' is only valid in a server config", ex.Message);
    }

    [Fact]
    public void RenegAndReplaySettings()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        ClientConfig c = ConfigParser.ParseClientFromText(ScenarioConfigTests.ScenarioClientConf +
            "\nreneg-sec 10\nreneg-bytes 1000000\nreneg-pkts 5000\nreplay-window 128 30\nhand-window 30\ntls-timeout 5\ntls-version-min 1.3 or-highest\nexplicit-exit-notify 2\nauth-retry nointeract\nauth-nocache\n",
            "c.conf", dir.DirectoryPath);
        Assert.Equal(10, c.Renegotiation.RenegSeconds);
        Assert.Equal(1_000_000, c.Renegotiation.RenegBytes);
        Assert.Equal(5000, c.Renegotiation.RenegPackets);
        Assert.Equal((128, 30), (c.DataChannel.ReplayWindow, c.DataChannel.ReplayWindowSeconds));
        Assert.Equal(30, c.Renegotiation.HandWindowSeconds);
        Assert.Equal(5, c.Renegotiation.TlsTimeoutSeconds);
        Assert.Equal("1.3", c.Tls.TlsVersionMin);
        Assert.True(c.Tls.TlsVersionMinOrHighest);
        Assert.Equal(2, c.ExplicitExitNotify);
        Assert.Equal(AuthRetry.NoInteract, c.AuthRetry);
        Assert.True(c.AuthNoCache);
    }

    [Theory]
    [InlineData("", LogTimestamps.LocalTime)]
    [InlineData("suppress-timestamps", LogTimestamps.None)]
    [InlineData("machine-readable-output", LogTimestamps.MachineReadable)]
    [InlineData("suppress-timestamps\nmachine-readable-output", LogTimestamps.MachineReadable)] // openvpn: it takes precedence
    public void LogLineStamps_SuppressTimestampsAndMachineReadableOutput(string lines, LogTimestamps expected)
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        ClientConfig c = ConfigParser.ParseClientFromText(ScenarioConfigTests.ScenarioClientConf + "\n" + lines + "\n", "client.conf", dir.DirectoryPath);
        Assert.Equal(expected, c.Logging.Timestamps);
    }
}

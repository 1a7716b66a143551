using System.Net;

namespace SharpVpn.Config.Tests;

/// <summary>
/// OpenVPN 2.6's <c>dns</c> option (options.c, dns.c): parsing in a config and in a push, the priority merge of
/// pushed servers over the config's, openvpn's errors, and the foreign-option rewrite scripts and DNS set-up use.
/// The interop test (UpDownScriptInteropTests) compares the resulting script variables with the real openvpn client.
/// </summary>
public sealed class DnsOptionTests
{
    private static ClientConfig Parse(string extra) =>
        ConfigParser.ParseClientFromText("client\ndev tun\nremote 10.0.0.1\n<ca>\n" + TempConfigDir.CaPem + "</ca>\nauth-user-pass stdin\n" + extra + "\n", "c.ovpn", "/nonexistent");

    [Fact]
    public void ServersByPriority_AddressesWithPorts_AndTheirSettings()
    {
        ClientConfig c = Parse("""
            dns server 5 address 10.0.0.53 10.0.0.54:5353 fd00::53 [fd00::54]:853
            dns server -3 address 192.0.2.1
            dns server 5 resolve-domains corp.example
            dns server 5 dnssec optional
            dns server 5 transport DoT
            dns server 5 sni dns.corp.example
            dns search-domains a.example b.example
            dns search-domains c.example
            """);

        Assert.Equal(["a.example", "b.example", "c.example"], c.Dns.SearchDomains);
        Assert.Equal([-3, 5], c.Dns.Servers.Select(s => s.Priority));
        DnsServer five = c.Dns.Servers[1];
        Assert.Equal(
            [new(IPAddress.Parse("10.0.0.53"), null), new(IPAddress.Parse("10.0.0.54"), 5353), new(IPAddress.Parse("fd00::53"), null), new DnsServerAddress(IPAddress.Parse("fd00::54"), 853)],
            five.Addresses);
        Assert.Equal(["corp.example"], five.ResolveDomains);
        Assert.Equal(("optional", "DoT", "dns.corp.example"), (five.Dnssec, five.Transport, five.Sni));
    }

    [Theory]
    [InlineData("dns server 128 address 10.0.0.1", "invalid priority value '128'")]
    [InlineData("dns server 1 address 10.0.0.1:0", "malformed address or maximum exceeded '10.0.0.1:0'")]
    [InlineData("dns server 1 address fd00::1:53x", "malformed address")]
    [InlineData("dns server 1 address 1.1.1.1 2.2.2.2 3.3.3.3 4.4.4.4 5.5.5.5 6.6.6.6 7.7.7.7 8.8.8.8 9.9.9.9", "maximum exceeded '9.9.9.9'")]
    [InlineData("dns server 1 dnssec maybe", "malformed dnssec value 'maybe'")]
    [InlineData("dns server 1 transport quic", "malformed transport value 'quic'")]
    [InlineData("dns server 1 port 53", "unknown option type 'port'")]
    [InlineData("dns resolvers 10.0.0.1", "unknown option type 'resolvers'")]
    [InlineData("dns search-domains bad;name", "'bad;name' is not a domain name")]
    public void Malformed_NamesTheLineWithOpenVpnsWords(string line, string words)
    {
        var e = Assert.Throws<ConfigException>(() => Parse(line));
        Assert.Equal("dns", e.Option);
        Assert.Contains(words, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AServerWithoutAnAddress_IsRefused()
    {
        var e = Assert.Throws<ConfigException>(() => Parse("dns server 2 resolve-domains corp.example"));
        Assert.Contains("dns server 2 does not have an address assigned", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pushed_ReplacesTheSamePriority_MergesTheRest_NegativeOrIncompleteIsDropped()
    {
        ClientConfig c = Parse("dns server -1 address 10.9.9.9\ndns server 1 address 10.8.8.8\ndns search-domains local.example");
        PushReplyOptions p = PushedOptionParser.Parse(
            "PUSH_REPLY,dns server 1 address 10.0.1.53,dns server 0 address 10.0.1.54,dns search-domains corp.example,dhcp-option DNS 10.0.1.1,dhcp-option DOMAIN corp.example");
        DnsSettings merged = c.Dns.WithPulled(p.Dns);
        Assert.Equal([(-1, "10.9.9.9"), (0, "10.0.1.54"), (1, "10.0.1.53")], merged.Servers.Select(s => (s.Priority, s.Addresses[0].Address.ToString())));
        Assert.Equal(["local.example", "corp.example"], merged.SearchDomains);
        Assert.Equal(["DOMAIN corp.example", "DNS 10.9.9.9", "DNS 10.0.1.54", "DNS 10.0.1.53", "DOMAIN-SEARCH local.example", "DOMAIN-SEARCH corp.example"],
            merged.AsDhcpOptions(p.DhcpOptions).Select(o => $"{o.Type} {o.Value}"));

        Assert.Empty(PushedOptionParser.Parse("PUSH_REPLY,dns server -1 address 10.0.1.53").Dns.Servers); // pushed: 0..127
        PushReplyOptions bare = PushedOptionParser.Parse("PUSH_REPLY,dns server 3 sni x.example");
        Assert.True(bare.Dns.IsEmpty);
        Assert.Contains(bare.Dropped, d => d.Reason.Contains("does not have an address assigned", StringComparison.Ordinal));
    }

    [Fact]
    public void WithoutDnsOptions_DhcpOptionsAndForeignOptionsStayAsPushed()
    {
        DhcpOption[] dhcp = [new("DNS", "10.0.1.1"), new("DOMAIN-SEARCH", "x.example")];
        Assert.Same(dhcp, DnsSettings.None.AsDhcpOptions(dhcp));
        Assert.Equal(["dhcp-option DNS 10.0.1.1"], DnsSettings.None.RewriteForeignOptions(["dhcp-option DNS 10.0.1.1"]));
    }

    [Theory]
    [InlineData("PUSH_REPLY,dns")]
    [InlineData("PUSH_REPLY,dns server")]
    [InlineData("PUSH_REPLY,dns server 1")]
    [InlineData("PUSH_REPLY,dns server 1 address")]
    [InlineData("PUSH_REPLY,dns server 1 dnssec")]
    [InlineData("PUSH_REPLY,dns server x address 10.0.0.1")]
    [InlineData("PUSH_REPLY,dns server 1 address [fd00::1]")]
    [InlineData("PUSH_REPLY,dns server 1 address ]:")]
    public void MalformedPushes_AreDropped_NeverThrown(string reply)
    {
        PushReplyOptions p = PushedOptionParser.Parse(reply);
        Assert.True(p.Dns.IsEmpty);
        Assert.NotEmpty(p.Dropped);
    }
}

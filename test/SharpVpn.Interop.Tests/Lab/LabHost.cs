namespace SharpVpn.Interop.Tests.Lab;

/// <summary>An address on one of a lab host's interfaces, e.g. 172.16.1.254/16 on the server's public veth.</summary>
public sealed record LabInterface(string Name, string Address, int PrefixLength)
{
    public string Cidr => $"{Address}/{PrefixLength}";
}

/// <summary>One of the scenario's three hosts, living in its own network namespace.</summary>
public sealed class LabHost
{
    internal LabHost(string role, string ns, IReadOnlyList<LabInterface> interfaces)
    {
        Role = role;
        Namespace = ns;
        Interfaces = interfaces;
    }

    /// <summary>"client", "server" or "intranet".</summary>
    public string Role { get; }

    /// <summary>The network namespace name, usable with <c>ip netns exec</c>.</summary>
    public string Namespace { get; }

    public IReadOnlyList<LabInterface> Interfaces { get; }

    /// <summary>The first interface's address: the one peers use to reach this host.</summary>
    public string Address => Interfaces[0].Address;

    public IEnumerable<string> Addresses => Interfaces.Select(i => i.Address);

    public override string ToString() => $"{Role} ({Namespace})";
}

namespace SharpVpn.Runtime.Setup.Demo;

/// <summary>The client the demo connects with.</summary>
public enum DemoClientKind
{
    SharpVpn,
    OpenVpn,
}

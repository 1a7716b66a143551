namespace SharpVpn.Runtime.Setup;

/// <summary>Whether quickstart made a piece or found it in place.</summary>
public enum SetupAction
{
    Created,
    Kept,
    Note,
}

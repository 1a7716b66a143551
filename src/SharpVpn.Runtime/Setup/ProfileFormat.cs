namespace SharpVpn.Runtime.Setup;

/// <summary><c>--format ovpn|zip</c> of <c>sharpvpn profile add</c>.</summary>
public enum ProfileFormat
{
    Ovpn,
    Zip,
}

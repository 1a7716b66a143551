namespace SharpVpn.Protocol;

/// <summary>A session-fatal protocol error with its <see cref="OpenVpnError"/> code; the message is one clear sentence.</summary>
public sealed class OpenVpnProtocolException : Exception
{
    public OpenVpnProtocolException(OpenVpnError error, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
    }

    public OpenVpnProtocolException()
        : this(OpenVpnError.ProtocolViolation, "OpenVPN protocol error.")
    {
    }

    public OpenVpnProtocolException(string message)
        : this(OpenVpnError.ProtocolViolation, message)
    {
    }

    public OpenVpnProtocolException(string message, Exception innerException)
        : this(OpenVpnError.ProtocolViolation, message, innerException)
    {
    }

    public OpenVpnError Error { get; }
}

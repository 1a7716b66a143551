namespace SharpVpn.Runtime.Client;

/// <summary>
/// The client gave up for a reason retrying cannot fix (AUTH_FAILED, the server rejected our certificate or we
/// rejected its, HALT, a pull-filter reject). The message is one sentence for the user; the CLI exits with 2.
/// </summary>
public sealed class ClientFatalException : Exception
{
    public ClientFatalException(string message) : base(message)
    {
    }

    public ClientFatalException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public ClientFatalException()
    {
    }
}

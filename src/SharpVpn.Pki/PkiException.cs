namespace SharpVpn.Pki;

/// <summary>
/// A PKI operation failed because of its input or the state of the PKI directory. The message is
/// one sentence naming the file (and line) at fault; the CLI prints it as is and exits 2.
/// </summary>
public sealed class PkiException : Exception
{
    public PkiException(string message) : base(message)
    {
    }

    public PkiException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public PkiException()
    {
    }
}

namespace SharpVpn.Pki;

/// <summary>
/// OpenSSL-style passphrase sources, as easy-rsa's --passin/--passout take them:
/// <c>pass:TEXT</c>, <c>file:PATH</c> (first line), <c>env:VAR</c>, <c>stdin</c> (first line).
/// </summary>
public static class PassphraseSpec
{
    public static string Resolve(string spec, string optionName = "--passin")
    {
        if (spec.StartsWith("pass:", StringComparison.Ordinal))
        {
            return spec[5..];
        }
        if (spec.StartsWith("env:", StringComparison.Ordinal))
        {
            string name = spec[4..];
            return Environment.GetEnvironmentVariable(name)
                ?? throw new PkiException($"{optionName} {spec}: the environment variable {name} is not set.");
        }
        if (spec.StartsWith("file:", StringComparison.Ordinal))
        {
            string path = spec[5..];
            try
            {
                return FirstLine(File.ReadAllText(path));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new PkiException($"{optionName}: cannot read the passphrase file {path}: {ex.Message}", ex);
            }
        }
        if (spec == "stdin")
        {
            return FirstLine(Console.In.ReadLine() ?? "");
        }
        throw new PkiException($"{optionName} '{Mask(spec)}' is not understood: use pass:TEXT, file:PATH, env:VAR or stdin.");
    }

    private static string FirstLine(string text)
    {
        int nl = text.IndexOfAny(['\r', '\n']);
        return nl < 0 ? text : text[..nl];
    }

    // Never echo what may be a passphrase typed without its prefix.
    private static string Mask(string spec) => spec.Length <= 6 ? "***" : spec[..3] + "...";
}

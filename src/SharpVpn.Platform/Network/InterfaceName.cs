namespace SharpVpn.Platform.Network;

/// <summary>Checks interface names before they reach a command line or an nft script.</summary>
public static class InterfaceName
{
    /// <summary>True for a valid Linux interface name: 1–15 bytes of letters, digits and <c>_ . - @ +</c>.</summary>
    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 15 || name == "." || name == "..")
        {
            return false;
        }
        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' or '@' or '+'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="what"/> unless the name is valid.</summary>
    public static string Validate(string? name, string what)
    {
        if (!IsValid(name))
        {
            throw new ArgumentException($"{what} '{name}' is not a valid interface name (1-15 letters, digits, '_', '.', '-', '@' or '+').");
        }
        return name!;
    }
}

namespace SharpVpn.Pki;

/// <summary>The certificate profiles of easy-rsa's x509-types directory that we issue.</summary>
public enum CertType
{
    Client,
    Server,
    /// <summary>Both serverAuth and clientAuth (easy-rsa "serverClient").</summary>
    ServerClient,
    Ca,
}

/// <summary>Key algorithm, as easy-rsa's <c>--use-algo rsa|ec|ed</c>.</summary>
public enum KeyAlgorithm
{
    Rsa,
    Ec,
    /// <summary>EdDSA: Ed25519 (curve ed25519, the default) or Ed448 (curve ed448), via BouncyCastle.</summary>
    Ed,
}

/// <summary>How subjects are built, as easy-rsa's <c>--dn-mode</c>.</summary>
public enum DnMode
{
    /// <summary>Subject is only CN=name (easy-rsa default).</summary>
    CnOnly,
    /// <summary>Subject is C, ST, L, O, OU, CN, emailAddress from the vars fields.</summary>
    Org,
}

/// <summary>Status of an entry in the CA database (index.txt).</summary>
public enum CertStatus
{
    Valid,
    Revoked,
    Expired,
}

/// <summary>CRL reason codes with the names openssl writes in index.txt (RFC 5280 §5.3.1).</summary>
public enum RevocationReason
{
    Unspecified = 0,
    KeyCompromise = 1,
    CACompromise = 2,
    AffiliationChanged = 3,
    Superseded = 4,
    CessationOfOperation = 5,
    CertificateHold = 6,
}

namespace SharpVpn.Pki;

/// <summary>
/// Files easy-rsa 3.1 itself expects inside a PKI. Its <c>vars_setup</c> builds
/// safessl-easyrsa.cnf from pki/openssl-easyrsa.cnf before anything else, and dies if that file
/// is missing, so init-pki must leave one there. We copy the installed easy-rsa's own file when
/// there is one (an exact match for that version), else write an equivalent: the same sections,
/// keys and <c>$ENV::EASYRSA_*</c> references, and the three <c>#%...%</c> marker lines that
/// easy-rsa's awk scripts replace (build-ca, gen-req, sign-req).
/// </summary>
internal static class EasyRsaFiles
{
    public const string ConfigFileName = "openssl-easyrsa.cnf";

    private static readonly string[] InstalledLocations =
        ["/etc/easy-rsa", "/usr/share/easy-rsa", "/usr/local/share/easy-rsa"];

    public static string OpenSslConfig()
    {
        foreach (string dir in InstalledLocations)
        {
            string path = Path.Combine(dir, ConfigFileName);
            try
            {
                if (File.Exists(path))
                {
                    return File.ReadAllText(path);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Unreadable: fall back to ours.
            }
        }
        return BuiltInConfig;
    }

    public const string BuiltInConfig = """
        # OpenSSL configuration for easy-rsa 3.x, written by SharpVPN's 'pki init-pki'.
        # easy-rsa reads it (with EASYRSA_* set in the environment) when it runs 'openssl ca'/'req'.

        [ ca ]
        default_ca = CA_default

        [ CA_default ]
        dir              = $ENV::EASYRSA_PKI
        certs            = $dir
        crl_dir          = $dir
        database         = $dir/index.txt
        new_certs_dir    = $dir/certs_by_serial
        certificate      = $dir/ca.crt
        serial           = $dir/serial
        crl              = $dir/crl.pem
        private_key      = $dir/private/ca.key
        RANDFILE         = $dir/.rand
        x509_extensions  = basic_exts
        #%COPY_EXTS%	# easy-rsa --copy-ext inserts here: keep this line
        crl_extensions   = crl_ext
        default_days     = $ENV::EASYRSA_CERT_EXPIRE
        default_crl_days = $ENV::EASYRSA_CRL_DAYS
        default_md       = $ENV::EASYRSA_DIGEST
        preserve         = no
        unique_subject   = no
        policy           = policy_anything

        [ policy_anything ]
        countryName            = optional
        stateOrProvinceName    = optional
        localityName           = optional
        organizationName       = optional
        organizationalUnitName = optional
        commonName             = supplied
        name                   = optional
        emailAddress           = optional

        [ req ]
        default_bits       = $ENV::EASYRSA_KEY_SIZE
        default_keyfile    = privkey.pem
        default_md         = $ENV::EASYRSA_DIGEST
        distinguished_name = $ENV::EASYRSA_DN
        x509_extensions    = easyrsa_ca
        #%EXTRA_EXTS%	# easy-rsa EXTRA_EXTS inserts here: keep this line

        [ cn_only ]
        commonName         = Common Name (eg: your user, host, or server name)
        commonName_max     = 64
        commonName_default = $ENV::EASYRSA_REQ_CN

        [ org ]
        countryName                 = Country Name (2 letter code)
        countryName_default         = $ENV::EASYRSA_REQ_COUNTRY
        countryName_min             = 2
        countryName_max             = 2
        stateOrProvinceName         = State or Province Name (full name)
        stateOrProvinceName_default = $ENV::EASYRSA_REQ_PROVINCE
        localityName                = Locality Name (eg, city)
        localityName_default        = $ENV::EASYRSA_REQ_CITY
        0.organizationName          = Organization Name (eg, company)
        0.organizationName_default  = $ENV::EASYRSA_REQ_ORG
        organizationalUnitName      = Organizational Unit Name (eg, section)
        organizationalUnitName_default = $ENV::EASYRSA_REQ_OU
        commonName                  = Common Name (eg: your user, host, or server name)
        commonName_max              = 64
        commonName_default          = $ENV::EASYRSA_REQ_CN
        emailAddress                = Email Address
        emailAddress_default        = $ENV::EASYRSA_REQ_EMAIL
        emailAddress_max            = 64

        [ basic_exts ]
        basicConstraints       = CA:FALSE
        subjectKeyIdentifier   = hash
        authorityKeyIdentifier = keyid,issuer:always

        [ easyrsa_ca ]
        subjectKeyIdentifier   = hash
        authorityKeyIdentifier = keyid:always,issuer:always
        basicConstraints       = CA:true
        keyUsage               = cRLSign, keyCertSign
        #%CA_X509_TYPES_EXTRA_EXTS%	# easy-rsa build-ca inserts here: keep this line

        [ crl_ext ]
        authorityKeyIdentifier = keyid:always,issuer:always

        """;
}

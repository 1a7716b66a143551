namespace SharpVpn.Pki.Tests;

public sealed class VarsFileTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>The easy-rsa 2 vars file the tutorial edits (shape of easy-rsa 2.x's own file).</summary>
    private const string EasyRsa2Vars = """
        # easy-rsa parameter settings
        export EASY_RSA="`pwd`"
        export OPENSSL="openssl"
        export PKCS11TOOL="pkcs11-tool"
        export GREP="grep"
        export KEY_CONFIG=`$EASY_RSA/whichopensslcnf $EASY_RSA`
        export KEY_DIR="$EASY_RSA/keys"
        echo NOTE: If you run ./clean-all, I will be doing a rm -rf on $KEY_DIR
        export PKCS11_MODULE_PATH="dummy"
        export PKCS11_PIN="dummy"
        export KEY_SIZE=4096
        export CA_EXPIRE=7300
        export KEY_EXPIRE=365
        export KEY_COUNTRY="CN"
        export KEY_PROVINCE="BJ"
        export KEY_CITY="Beijing"
        export KEY_ORG="Acme Ltd"
        export KEY_EMAIL="admin@acme.test"
        export KEY_OU="IT Dept"   # trailing comment
        export KEY_NAME="EasyRSA"
        """;

    [Fact]
    public void EasyRsa2Form_IsRead()
    {
        File.WriteAllText(_dir.File("vars"), EasyRsa2Vars);
        PkiSettings s = VarsFile.Load(_dir.File("vars"));
        Assert.Equal(new DnFields { Country = "CN", Province = "BJ", City = "Beijing", Org = "Acme Ltd", Email = "admin@acme.test", OrgUnit = "IT Dept" }, s.Dn);
        Assert.Equal(4096, s.KeySize);
        Assert.Equal(7300, s.CaDays);
        Assert.Equal(365, s.CertDays);
    }

    [Fact]
    public void EasyRsa3Form_IsRead()
    {
        File.WriteAllText(_dir.File("vars"), """
            if [ -z "$EASYRSA_CALLER" ]; then
                echo "You appear to be sourcing an Easy-RSA *vars* file." >&2
                return 1
            fi
            set_var EASYRSA_DN	"org"
            set_var EASYRSA_REQ_COUNTRY	"DE"
            set_var EASYRSA_REQ_PROVINCE	'Bavaria'
            set_var EASYRSA_REQ_ORG	"Copyleft Certificate Co"
            set_var EASYRSA_ALGO		ec
            set_var EASYRSA_CURVE		prime256v1
            set_var EASYRSA_CERT_EXPIRE	90
            set_var EASYRSA_CRL_DAYS	400
            set_var EASYRSA_DIGEST		"sha512"
            """);
        PkiSettings s = VarsFile.Load(_dir.File("vars"));
        Assert.Equal(DnMode.Org, s.DnMode);
        Assert.Equal("DE", s.Dn.Country);
        Assert.Equal("Bavaria", s.Dn.Province);
        Assert.Equal(KeyAlgorithm.Ec, s.Algorithm);
        Assert.Equal("prime256v1", s.Curve);
        Assert.Equal(90, s.CertDays);
        Assert.Equal(400, s.CrlDays);
        Assert.Equal("sha512", s.Digest);
    }

    [Fact]
    public void InstalledVarsExample_ParsesToDefaults()
    {
        Assert.Equal(new PkiSettings(), VarsFile.Load("/usr/share/easy-rsa/vars.example"));
    }

    [Theory]
    [InlineData("export KEY_SIZE=big", 1, "KEY_SIZE must be a whole number")]
    [InlineData("export KEY_SIZE=1024", 1, "KEY_SIZE=1024 is too weak")]
    [InlineData("# ok\nexport KEY_COUNTRY=\"CHN\"", 2, "2-letter country code")]
    [InlineData("set_var EASYRSA_REQ_ORG \"Acme", 1, "unterminated \" quote")]
    [InlineData("\n\nexport KEY_ORG=Acme Ltd", 3, "unexpected text after the value")]
    [InlineData("KEY ORG = x", 1, "expected 'set_var NAME VALUE'")]
    [InlineData("set_var EASYRSA_PASSIN pass:x", 1, "must not be stored in a vars file")]
    [InlineData("set_var EASYRSA_ALGO dsa", 1, "algorithm must be 'rsa', 'ec' or 'ed'")]
    public void BadLines_AreErrorsNamingFileAndLine(string content, int line, string message)
    {
        File.WriteAllText(_dir.File("vars"), content);
        var ex = Assert.Throws<PkiException>(() => VarsFile.Load(_dir.File("vars")));
        Assert.StartsWith($"{_dir.File("vars")}:{line}: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingVarsFile_IsNamed()
    {
        var ex = Assert.Throws<PkiException>(() => VarsFile.Load(_dir.File("nope")));
        Assert.Contains(_dir.File("nope"), ex.Message, StringComparison.Ordinal);
    }
}

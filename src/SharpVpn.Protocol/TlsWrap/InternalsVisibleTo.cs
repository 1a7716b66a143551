using System.Runtime.CompilerServices;

// The tls-crypt primitive is tested against OpenVPN's bare-buffer known answer (test_tls_crypt.c).
[assembly: InternalsVisibleTo("SharpVpn.Protocol.Tests")]

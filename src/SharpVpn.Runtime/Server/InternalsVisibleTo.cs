using System.Runtime.CompilerServices;

// The server's unit tests exercise the gate, tables and allocator directly (test/SharpVpn.Server.Tests).
[assembly: InternalsVisibleTo("SharpVpn.Server.Tests")]

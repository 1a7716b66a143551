using System.Runtime.CompilerServices;

// Unit tests of the client's internal pieces (session factory, status file, connection handlers).
[assembly: InternalsVisibleTo("SharpVpn.Runtime.Tests")]

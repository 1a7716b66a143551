namespace SharpVpn.Config;

/// <summary><c>connect-freq N SECONDS</c>: at most N new connections per SECONDS.</summary>
public sealed record ConnectFrequency(int Connections, int Seconds);

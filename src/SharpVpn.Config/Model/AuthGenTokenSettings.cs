namespace SharpVpn.Config;

/// <summary>
/// <c>auth-gen-token [LIFETIME] [RENEWAL] [external-auth]</c> with <c>auth-gen-token-secret FILE</c>: after a client's
/// username/password passed auth-user-pass-verify, the server pushes it a session token that it sends instead of the
/// password at renegotiations and reconnects (so a one-time password is asked once per session).
/// </summary>
/// <param name="LifetimeSeconds">How long a session's tokens stay valid after its first login; 0 = no limit.</param>
/// <param name="RenewalSeconds">A token is accepted up to twice this after it was issued (default reneg-sec); a renewed one
/// is pushed at each renegotiation.</param>
/// <param name="ExternalAuth">Run auth-user-pass-verify for token logins too (with <c>session_state</c>), instead of
/// accepting a valid token without it.</param>
/// <param name="Secret">The auth-gen-token-secret PEM ("OpenVPN auth-token server key"); null = a random one per start,
/// so tokens do not survive a server restart.</param>
public sealed record AuthGenTokenSettings(int LifetimeSeconds, int RenewalSeconds, bool ExternalAuth, StaticKeyText? Secret);

namespace SharpVpn.DataChannel;

/// <summary>Outcome of <see cref="DataChannelKey.Decrypt"/>; anything but Ok means "drop and count".</summary>
public enum DataDecryptResult
{
    Ok,

    /// <summary>Shorter than header + packet-id + tag + 1 byte (AEAD) or header + HMAC + IV + 1 block (CBC).</summary>
    TooShort,

    /// <summary>First byte is not P_DATA_V1/P_DATA_V2.</summary>
    NotDataPacket,

    /// <summary>key_id of the packet is not this key's.</summary>
    WrongKeyId,

    /// <summary>AEAD tag or CBC HMAC did not verify.</summary>
    AuthenticationFailed,

    /// <summary>CBC: ciphertext not a whole number of blocks, or bad PKCS#7 padding after a valid HMAC.</summary>
    Malformed,

    /// <summary>Packet id 0, already seen, too old, or expired (replay-window n t).</summary>
    Replay,

    /// <summary>payloadDestination cannot hold the plaintext.</summary>
    DestinationTooSmall,

    /// <summary>The key was disposed (retired by a renegotiation) before or while the packet was processed.</summary>
    KeyDisposed,
}

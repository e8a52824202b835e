namespace Mnigs.Core.Directory;

/// <summary>Where a gateway answers on one mesh network: <c>("babel", "fd00::1")</c>, <c>("yggdrasil", "200:...")</c>.</summary>
public readonly record struct GatewayAddress(string Network, string Address)
{
    public const int MaxNetworkLength = 32;
    public const int MaxAddressLength = 64;

    /// <summary>A plain message when the pair may not go into a record, else null.</summary>
    public string? Problem()
    {
        if (!RecordText.IsIdentifier(Network, MaxNetworkLength))
            return $"network '{RecordText.Shorten(Network)}' must be 1-{MaxNetworkLength} characters of a-z, 0-9 and '-'";
        if (string.IsNullOrEmpty(Address) || Address.Length > MaxAddressLength || Address.AsSpan().ContainsAnyExcept(RecordText.AddressCharacters))
            return $"address '{RecordText.Shorten(Address)}' must be 1-{MaxAddressLength} characters of letters, digits and . : - _ % [ ] /";
        return null;
    }
}

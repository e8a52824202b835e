using System.Globalization;

namespace Mnigs.Networks.BatmanAdv;

/// <summary>
/// One line of <c>batctl meshif bat0 gateways</c> (<c>gwl</c>): a node in gateway mode <c>server</c>, with the
/// bandwidth it announces (<c>batctl gw_mode server 10mbit/2mbit</c>). <see cref="Best"/> marks the gateway this
/// node's batman-adv would choose as a gateway client.
/// </summary>
/// <param name="Tq">BATMAN_IV's transmit quality towards the gateway, 0 to 255.</param>
/// <param name="ThroughputMbits">BATMAN_V's throughput towards the gateway in Mbit/s.</param>
public sealed record BatmanAdvGateway(
    MacAddress Originator, int? Tq, double? ThroughputMbits, MacAddress NextHop, string Interface, double DownMbits, double UpMbits, bool Best)
{
    /// <summary>The announced bandwidth as an operator reads it, e.g. <c>10.0/2.0 Mbit/s</c> (down/up).</summary>
    public string Bandwidth => string.Create(CultureInfo.InvariantCulture, $"{DownMbits:0.0}/{UpMbits:0.0} Mbit/s");
}

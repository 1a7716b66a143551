namespace SharpVpn.Protocol.Tests.Wire;

public class DropReasonsTests
{
    [Fact]
    public void Count_CoversEveryReason_AsIndexes0ToCountMinus1()
    {
        // TunnelSession counts drops in an array indexed by the reason: a reason added to the enum must be inside it.
        DropReason[] reasons = Enum.GetValues<DropReason>();
        Assert.Equal(DropReasons.Count, reasons.Length);
        Assert.Equal(Enumerable.Range(0, DropReasons.Count), reasons.Select(r => (int)r).Order());
    }
}

using static Sovereignty.Policies.Tests.Detection.DetectorAssert;

namespace Sovereignty.Policies.Tests.Detection;

public sealed class ContactDetectorTests
{
    [Theory]
    [InlineData("01 23 45 67 89")]
    [InlineData("06.12.34.56.78")]
    [InlineData("07-12-34-56-78")]
    [InlineData("0912345678")]
    [InlineData("+33 6 12 34 56 78")]
    [InlineData("+33612345678")]
    [InlineData("0033 1 23 45 67 89")]
    [InlineData("+33 (0)1 23 45 67 89")]
    public void Scan_FrenchPhone_HitsAtItsOffset(string phone)
    {
        SingleHitAt(Create("fr-phone"), $"Appelez le {phone} demain.", phone);
    }

    [Theory]
    [InlineData("00 12 34 56 78")] // first digit after 0 must be 1-9
    [InlineData("01 23 45 67")] // too short
    [InlineData("+32 2 123 45 67")] // Belgian
    [InlineData("+44 20 7946 0958")] // not French
    public void Scan_NotAFrenchPhone_NoHit(string text)
    {
        NoHit(Create("fr-phone"), text);
    }

    [Fact]
    public void Scan_PhoneInsideLongerDigitRun_NoHit()
    {
        NoHit(Create("fr-phone"), "ref 012345678912");
    }

    [Theory]
    [InlineData("jean.dupont@laposte.fr")]
    [InlineData("a+tag@sub.example.co.uk")]
    [InlineData("x_y-z@exemple-1.org")]
    public void Scan_Email_HitsAtItsOffset(string email)
    {
        SingleHitAt(Create("email"), $"Écrire à <{email}>.", email);
    }

    [Theory]
    [InlineData("pas une adresse @ ici")]
    [InlineData("user@localhost")]
    [InlineData("user@domain.c")]
    [InlineData("a..b@example.com")]
    public void Scan_NotAnEmail_NoHit(string text)
    {
        NoHit(Create("email"), text);
    }
}

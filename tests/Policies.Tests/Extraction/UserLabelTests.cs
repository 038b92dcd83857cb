using MimeKit;
using Sovereignty.Policies.Extraction;
using Sovereignty.Policies.Extraction.Labels;

namespace Sovereignty.Policies.Tests.Extraction;

public sealed class UserLabelTests
{
    private const string Guid1 = "3a1c5b6f-4e2d-4c8b-9f3e-2d1a0b9c8e7f";
    private const string Guid2 = "11111111-2222-3333-4444-555555555555";

    [Fact]
    public void ExtractMessage_FoldedMsipLabelsHeader_EnabledLabelsOnly()
    {
        var raw =
            "From: a@laposte.fr\r\nTo: b@example.com\r\nSubject: test\r\n" +
            $"msip_labels: MSIP_Label_{Guid1}_Enabled=true;\r\n MSIP_Label_{Guid1}_SetDate=2026-11-28T10:00:00Z;\r\n\tMSIP_Label_{Guid1}_Method=Standard; MSIP_Label_{Guid1}_Name=Confidentiel;\r\n MSIP_Label_{Guid1}_SiteId=0f0f0f0f-0000-0000-0000-000000000000; MSIP_Label_{Guid2}_Enabled=false; MSIP_Label_{Guid2}_Name=Public\r\n" +
            "Sensitivity: Company-Confidential\r\n\r\nbody\r\n";
        var content = new ContentExtractor().ExtractMessage(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(raw)));

        var msip = Assert.Single(content.UserLabels, l => l.Source == "msip");
        Assert.Equal(("Confidentiel", Guid1, "headers"), (msip.Value, msip.Id, msip.Location));
        Assert.Contains(content.UserLabels, l => l == new UserLabel("sensitivity-header", "Company-Confidential", "headers"));
    }

    [Fact]
    public void MsipParse_LabelWithoutName_ValueIsGuid()
    {
        var label = Assert.Single(MsipLabels.Parse($"MSIP_Label_{Guid1.ToUpperInvariant()}_Enabled=True"));
        Assert.Equal((Guid1, null), (label.Id, label.Name));
    }

    [Theory]
    [InlineData("[CONFIDENTIEL] Budget", new[] { "CONFIDENTIEL" })]
    [InlineData("RE: [C2] [ Interne ] point", new[] { "C2", "Interne" })]
    [InlineData("Pas de tag", new string[0])]
    public void SubjectTags_BracketedTags_Trimmed(string subject, string[] expected)
    {
        Assert.Equal(expected, MessageLabels.SubjectTags(subject));
    }

    [Theory]
    [InlineData("TRÈS SECRET", "Très Secret")]
    [InlineData("tres secret", "Très Secret")]
    [InlineData("Document classé Très Secret Spécial France", "Très Secret")]
    [InlineData("TRES SECRET", "Très Secret")]
    [InlineData("SECRET", "Secret")]
    [InlineData("Niveau : SECRET\nTexte", "Secret")]
    [InlineData("en-tête\nSecret\ncorps", "Secret")]
    [InlineData("[secret] objet", "Secret")]
    [InlineData("DIFFUSION RESTREINTE", "Diffusion Restreinte")]
    [InlineData("diffusion  restreinte", "Diffusion Restreinte")]
    [InlineData("Confidentiel Défense", "Confidentiel Défense")]
    [InlineData("SECRET DEFENSE", "Secret Défense")]
    public void MarkingsFind_Markings_Normalised(string text, string expected)
    {
        Assert.Equal([expected], Markings.Find(text));
    }

    [Theory]
    [InlineData("le secret professionnel s'applique")]
    [InlineData("Son secret est bien gardé")]
    [InlineData("DR Dupont, diffusion large")]
    [InlineData("secrétariat général")]
    [InlineData("restreinte diffusion")]
    public void MarkingsFind_ProseOrAbbreviation_None(string text)
    {
        Assert.Empty(Markings.Find(text));
    }

    [Fact]
    public void ExtractMessage_MarkingInSubject_LabelAtSubject()
    {
        var message = new MimeMessage { Subject = "Note DIFFUSION RESTREINTE", Body = new TextPart("plain") { Text = "x" } };
        var content = new ContentExtractor().ExtractMessage(message);
        Assert.Contains(content.UserLabels, l => l == new UserLabel("marking", "Diffusion Restreinte", "subject"));
    }
}

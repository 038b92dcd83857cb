using System.Xml.Linq;
using Sovereignty.Proxy.Documents;

namespace Sovereignty.Proxy.Tests.Documents;

public sealed class MultistatusMergeTests
{
    private static readonly XNamespace Dav = "DAV:";

    [Fact]
    public void Merge_EntriesOfBothStores_OneEntryPerHref_FirstStoreWins()
    {
        // The second store uses another prefix for DAV: and lists the folder with an absolute,
        // percent-encoded href and without its trailing slash.
        XDocument eu = XDocument.Parse("""
            <D:multistatus xmlns:D="DAV:">
              <D:response><D:href>/f/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop></D:propstat></D:response>
              <D:response><D:href>/f/a.txt</D:href><D:propstat><D:prop><D:getcontentlength>1</D:getcontentlength></D:prop></D:propstat></D:response>
              <D:response><D:href>/f/both.txt</D:href><D:propstat><D:prop><D:getcontentlength>2</D:getcontentlength></D:prop></D:propstat></D:response>
            </D:multistatus>
            """);
        XDocument fr = XDocument.Parse("""
            <lp1:multistatus xmlns:lp1="DAV:" xmlns:x="urn:example">
              <lp1:response><lp1:href>http://fr.store.example/f</lp1:href><lp1:propstat><lp1:prop><lp1:resourcetype><lp1:collection/></lp1:resourcetype></lp1:prop></lp1:propstat></lp1:response>
              <lp1:response><lp1:href>/f/b%20c.txt</lp1:href><lp1:propstat><lp1:prop><lp1:getcontentlength>3</lp1:getcontentlength><x:color>blue</x:color></lp1:prop></lp1:propstat></lp1:response>
              <lp1:response><lp1:href>/f/both.txt</lp1:href><lp1:propstat><lp1:prop><lp1:getcontentlength>4</lp1:getcontentlength></lp1:prop></lp1:propstat></lp1:response>
            </lp1:multistatus>
            """);

        MergedListing<string> merged = MultistatusMerge.Merge<string>([("eu", eu), ("fr", fr)]);

        Assert.Equal(
            [("/f", "eu"), ("/f/a.txt", "eu"), ("/f/both.txt", "eu"), ("/f/b c.txt", "fr")],
            merged.Entries.Select(e => (MultistatusMerge.Key(e.Response), e.Store)));
        XDocument reparsed = XDocument.Parse(merged.Document.ToString());
        Assert.Equal(4, reparsed.Descendants(Dav + "response").Count());
        Assert.Equal("2", reparsed.Descendants(Dav + "response").Single(r => r.Element(Dav + "href")!.Value == "/f/both.txt").Descendants(Dav + "getcontentlength").Single().Value);
        Assert.Equal("blue", reparsed.Descendants((XNamespace)"urn:example" + "color").Single().Value);
    }

    [Fact]
    public void Merge_FirstStoreListsNothing_SecondStoresListingIsTheAnswer()
    {
        XDocument fr = XDocument.Parse("""<a:multistatus xmlns:a="DAV:"><a:response><a:href>/f/x.txt</a:href></a:response></a:multistatus>""");

        MergedListing<string> merged = MultistatusMerge.Merge<string>([("fr", fr)]);

        Assert.Equal("fr", Assert.Single(merged.Entries).Store);
        Assert.Equal("a", merged.Document.Root!.GetPrefixOfNamespace(Dav));
    }
}

using System.Text;
using Sovereignty.Policies.Extraction;

namespace Sovereignty.Policies.Tests.Extraction;

public sealed class PooledTextTests
{
    [Fact]
    public void Append_BeyondCapacity_SameTextAsStringBuilder()
    {
        var random = new Random(9);
        var expected = new StringBuilder();
        using var text = new PooledText(capacity: 1);
        for (var i = 0; i < 5000; i++)
        {
            if (random.Next(3) == 0)
            {
                expected.Append('\n');
                text.Append('\n');
            }
            else
            {
                var word = new string('é', random.Next(0, 40)) + i;
                expected.Append(word);
                text.Append(word);
            }
        }

        Assert.Equal(expected.Length, text.Length);
        Assert.Equal(expected.ToString(), text.ToString());
    }

    [Fact]
    public void Append_AfterDispose_Throws()
    {
        var text = new PooledText(capacity: 1);
        text.Dispose();
        Assert.Throws<ObjectDisposedException>(() => text.Append("abc"));
    }
}

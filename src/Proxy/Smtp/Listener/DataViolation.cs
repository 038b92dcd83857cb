namespace Sovereignty.Proxy.Smtp.Listener;

/// <summary>What was wrong with the bytes of a DATA phase; any of them refuses the whole message.</summary>
[Flags]
internal enum DataViolation
{
    None = 0,

    /// <summary>A CR not followed by LF, or an LF not preceded by CR (SMTP smuggling).</summary>
    BareLineEnding = 1,

    /// <summary>More bytes than the size limit.</summary>
    TooLarge = 2,

    /// <summary>A line longer than the line-length limit.</summary>
    LineTooLong = 4,

    /// <summary>A header section larger than the header-size limit.</summary>
    HeaderTooLarge = 8,
}

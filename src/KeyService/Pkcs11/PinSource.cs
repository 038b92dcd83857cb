using System.Text;

namespace Sovereignty.KeyService.Pkcs11;

/// <summary>Reads the token PIN from its configured source, each time a login needs it.</summary>
internal static class PinSource
{
    /// <summary>Returns the PIN as UTF-8 bytes; the caller zeroes them after use.</summary>
    public static byte[] Read(Pkcs11ProviderOptions options)
    {
        string? pin;
        string source;
        if (!string.IsNullOrEmpty(options.PinFile))
        {
            source = $"PIN file '{options.PinFile}'";
            try
            {
                pin = File.ReadLines(options.PinFile).FirstOrDefault();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new KeyServiceException(KeyErrorKind.Configuration,
                    $"Provider '{options.Name}': cannot read the {source} ({ex.GetType().Name}); check the path and its permissions.");
            }
        }
        else if (!string.IsNullOrEmpty(options.PinEnvironmentVariable))
        {
            source = $"environment variable '{options.PinEnvironmentVariable}'";
            pin = Environment.GetEnvironmentVariable(options.PinEnvironmentVariable);
        }
        else
        {
            throw new KeyServiceException(KeyErrorKind.Configuration,
                $"Provider '{options.Name}': no PIN source; set PinFile or PinEnvironmentVariable.");
        }

        pin = pin?.Trim();
        if (string.IsNullOrEmpty(pin))
        {
            throw new KeyServiceException(KeyErrorKind.Configuration, $"Provider '{options.Name}': the {source} is empty or missing.");
        }

        return Encoding.UTF8.GetBytes(pin);
    }
}

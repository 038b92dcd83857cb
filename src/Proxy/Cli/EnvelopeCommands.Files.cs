namespace Sovereignty.Proxy.Cli;

internal static partial class EnvelopeCommands
{
    /// <summary>
    /// Input and output of a file-to-file verb: <c>-</c> is standard input/output; an output
    /// file is written under a temporary name beside it and renamed by <see cref="Commit"/>,
    /// else deleted on dispose, so a failed command leaves no partial file (for decrypt: no
    /// plaintext) behind. Draws a progress bar on standard error for large inputs on a terminal.
    /// </summary>
    private sealed class CliFiles : IAsyncDisposable
    {
        private const long ProgressThreshold = 16L << 20;
        private readonly string? _outputPath;
        private readonly string? _temporaryPath;
        private readonly ProgressReporter? _progress;
        private bool _committed;

        private CliFiles(Stream input, string inputName, string? inputPath, Stream output, string outputName, string? outputPath, string? temporaryPath, ProgressReporter? progress)
        {
            Input = input;
            InputName = inputName;
            InputPath = inputPath;
            Output = output;
            OutputName = outputName;
            _outputPath = outputPath;
            _temporaryPath = temporaryPath;
            _progress = progress;
        }

        public Stream Input { get; }

        public string InputName { get; }

        /// <summary>The input file's full path, or null for standard input.</summary>
        public string? InputPath { get; }

        public Stream Output { get; }

        public string OutputName { get; }

        public static CliFiles Open(string input, string output)
        {
            Stream? inputStream = null;
            try
            {
                string? inputPath = input == "-" ? null : Path.GetFullPath(input);
                if (inputPath is not null && !File.Exists(inputPath))
                {
                    throw new FileNotFoundException($"Input file '{input}' does not exist.");
                }

                if (inputPath is not null && output != "-" && Path.GetFullPath(output) == inputPath)
                {
                    throw new IOException($"Input and output are the same file '{input}'.");
                }

                inputStream = inputPath is null
                    ? Console.OpenStandardInput()
                    : new FileStream(inputPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
                long? length = inputPath is null ? null : inputStream.Length;
                ProgressReporter? progress = null;
                if (!Console.IsErrorRedirected && (length is null or >= ProgressThreshold) && input != "-")
                {
                    progress = new ProgressReporter(Path.GetFileName(inputPath!), length);
                    inputStream = new ProgressStream(inputStream, progress);
                }

                if (output == "-")
                {
                    return new CliFiles(inputStream, inputPath ?? "stdin", inputPath, Console.OpenStandardOutput(), "stdout", null, null, progress);
                }

                string outputPath = Path.GetFullPath(output);
                string directory = Path.GetDirectoryName(outputPath)!;
                if (!Directory.Exists(directory))
                {
                    throw new DirectoryNotFoundException($"Output directory '{directory}' does not exist.");
                }

                string temporary = Path.Combine(directory, $".{Path.GetFileName(outputPath)}.{Guid.NewGuid():N}.partial");
                var options = new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    Share = FileShare.None,
                    Options = FileOptions.Asynchronous,
                    BufferSize = 1,
                };
                if (!OperatingSystem.IsWindows())
                {
                    // Plaintext being written is readable by its owner only.
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                var outputStream = new FileStream(temporary, options);
                return new CliFiles(inputStream, inputPath ?? "stdin", inputPath, outputStream, outputPath, outputPath, temporary, progress);
            }
            catch
            {
                inputStream?.Dispose();
                throw;
            }
        }

        /// <summary>Marks the output complete: it is flushed and renamed into place on dispose.</summary>
        public void Commit() => _committed = true;

        public async ValueTask DisposeAsync()
        {
            _progress?.Finish(_committed);
            await Input.DisposeAsync();
            if (_temporaryPath is null)
            {
                await Output.FlushAsync();
                return;
            }

            if (_committed)
            {
                await Output.FlushAsync();
                ((FileStream)Output).Flush(flushToDisk: true);
            }

            await Output.DisposeAsync();
            if (_committed)
            {
                File.Move(_temporaryPath, _outputPath!, overwrite: true);
            }
            else
            {
                File.Delete(_temporaryPath);
            }
        }
    }
}

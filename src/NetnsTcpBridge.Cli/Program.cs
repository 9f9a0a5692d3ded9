using NetnsTcpBridge;
using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Cli.CommandLine;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.Systemd;

namespace NetnsTcpBridge.Cli;

/// <summary>Turns the command line into settings, runs the bridge, and maps failures to one line and an exit status.</summary>
internal static class Program
{
    private const int RuntimeFailure = 1;
    private const int UsageFailure = 2;

    public static int Main(string[] args)
    {
        // Before any native call that passes a structure: on another architecture they would be misread.
        if (NetnsTcpBridge.Interop.NativeLayout.RefusalOnThisMachine() is { } refusal)
        {
            Log.Error(refusal);
            return RuntimeFailure;
        }

        // Messages of every part name the options that set what they speak of.
        SettingNames.SpellWith(SettingSpellings.Of);

        // A connector part, or the serving listener that the set-up image replaced itself with inside the listen netns.
        if (BridgeRunner.PartToRun(args) is { } part)
        {
            return RunGuarded(part, verbose: false);
        }

        CommandLineRequest request;
        try
        {
            request = CommandLineParser.Parse(args, SocketActivation.TakePassedCount());
        }
        catch (UsageException e)
        {
            Log.Error($"{e.Message} (see --help)");
            return UsageFailure;
        }

        switch (request)
        {
            case CommandLineRequest.ShowHelp:
                StandardOutput.Write(HelpText.Build());
                return 0;
            case CommandLineRequest.ShowVersion:
                StandardOutput.Write($"netns_tcp_bridge {typeof(Program).Assembly.GetName().Version?.ToString(3)}\n");
                return 0;
            case CommandLineRequest.RunBridge run:
                Log.Level = run.Verbose ? LogLevel.Debug : run.Quiet ? LogLevel.Error : LogLevel.Info;
                Log.Format = run.LogFormat;

                // The journal stamps each line itself; everywhere else a line says when it was written.
                Log.Timestamps = !Journal.IsStandardErrorConnected();

                return RunGuarded(() => BridgeRunner.Run(run.Settings), run.Verbose);
            default:
                throw new InvalidOperationException($"unhandled request {request}");
        }
    }

    private static int RunGuarded(Func<int> run, bool verbose)
    {
        try
        {
            return run();
        }
        catch (BridgeException e)
        {
            // A failure the user can act on: the message says it all; no stack trace even with -v.
            Log.Error(e.Message);
            return RuntimeFailure;
        }
        catch (Exception e)
        {
            Log.Error($"internal error: {e.Message}{(verbose ? string.Empty : " (run with -v for details)")}");
            if (verbose)
            {
                Log.DebugDetails(e.ToString());
            }

            return RuntimeFailure;
        }
    }
}

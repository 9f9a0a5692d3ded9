using System.Text;

namespace NetnsTcpBridge.Cli.CommandLine;

/// <summary>The text of <c>--help</c>: one line per option and the original tool's example.</summary>
internal static class HelpText
{
    public static string Build()
    {
        var text = new StringBuilder();
        text.AppendLine("Usage: netns_tcp_bridge (-l ADDR | -L FD | -S FD) (-c ADDR | -C FD) [OPTIONS]");
        text.AppendLine("       netns_tcp_bridge (--rule RULE | --config FILE)... [OPTIONS]");
        text.AppendLine();
        text.AppendLine("TCP forwarder whose listening part and connecting part each live in their own");
        text.AppendLine("network namespace: it listens in one netns and, for every client, connects from");
        text.AppendLine("another, relaying bytes both ways (FIN and reset carried through).");
        text.AppendLine();
        text.AppendLine("Options:");

        // At least two spaces between the columns, however long a spelling gets: docs/check-manpage.sh
        // finds the end of the left column by them.
        int width = Math.Max(32, OptionDefinitions.All.Max(o => LeftColumn(o).Length) + 1);
        foreach (var option in OptionDefinitions.All)
        {
            text.AppendLine($"  {LeftColumn(option).PadRight(width)} {option.Help}");
        }

        text.AppendLine();
        text.AppendLine("Rules: exactly one of -l, -L, -S; exactly one of -c, -C; one of -f, -F, --listen-netns;");
        text.AppendLine("one of -t, -T, --connect-netns; a listen netns needs -l, a connect netns needs -c.");
        text.AppendLine("Without any netns option it forwards within the current netns. -S and -C serve one client, then exit.");
        text.AppendLine("Also: --unix-mode and --unix-owner need -l unix:/path; --metrics-netns needs --metrics;");
        text.AppendLine("with --accept-proxy-from only its prefixes' peers may send a PROXY header (it needs --accept-proxy);");
        text.AppendLine("with --source-prefix, --max-connections-per-source counts prefixes (it needs that option);");
        text.AppendLine("and a netns named as pid:PID or /proc/PID/ns/net is what --exit-with-netns-owner follows.");
        text.AppendLine();
        text.AppendLine("Example (from the original's README): let a process in an isolated netns (PID 6448)");
        text.AppendLine("reach 93.184.216.34:80 through 127.0.0.1:80 of its own netns:");
        text.AppendLine("  netns_tcp_bridge -l 127.0.0.1:80 -f /proc/6448/ns/net -c 93.184.216.34:80");
        text.AppendLine("Into the `ip netns` namespace \"web\", or a container's netns by its PID:");
        text.AppendLine("  netns_tcp_bridge -l 127.0.0.1:8080 -c 127.0.0.1:80 --connect-netns web");
        text.AppendLine("  netns_tcp_bridge -l 127.0.0.1:5432 -c db:5432 --connect-netns pid:4242");
        text.AppendLine("The same as user nobody, with metrics, ending when the container's process 4242 exits:");
        text.AppendLine("  netns_tcp_bridge -l 127.0.0.1:5432 -c db:5432 --connect-netns pid:4242 --user nobody --metrics 127.0.0.1:9464 --exit-with-netns-owner");
        text.AppendLine("Two forwards in one bridge, each into its own netns (or put them in a --config file):");
        text.AppendLine("  netns_tcp_bridge --rule name=web,listen=127.0.0.1:8080,connect=127.0.0.1:80,connect-netns=web --rule name=db,listen=unix:/run/db.sock,connect=127.0.0.1:5432,connect-netns=pid:4242");
        text.AppendLine();
        text.AppendLine("Exit status: 0 done, 1 runtime failure, 2 bad command line.");
        return text.ToString();
    }

    private static string LeftColumn(OptionDefinition option) =>
        $"{(option.Short is null ? "    " : $"-{option.Short}, ")}--{option.Long}{(option.TakesValue ? " " + option.ValueName : string.Empty)}";
}

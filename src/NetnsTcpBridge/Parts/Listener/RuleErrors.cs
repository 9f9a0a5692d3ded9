using NetnsTcpBridge.Bridge;

namespace NetnsTcpBridge.Parts.Listener;

/// <summary>With several rules, a start-up error says which rule it is about.</summary>
internal static class RuleErrors
{
    public static T For<T>(ForwardRule rule, Func<T> step)
    {
        try
        {
            return step();
        }
        catch (BridgeException e) when (rule.Name is not null)
        {
            throw new BridgeException($"rule '{rule.Name}': {e.Message}", e);
        }
    }
}

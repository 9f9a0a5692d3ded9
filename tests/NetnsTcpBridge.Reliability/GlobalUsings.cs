global using Xunit;
global using Xunit.Abstractions;
global using NetnsTcpBridge.IntegrationTests.Infrastructure;

using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Relay;
using Xunit;

namespace NetnsTcpBridge.Tests.Relay;

public class SourceReportTests
{
    [Theory]
    [InlineData(Libc.EPOLLIN, nameof(SourceReport.Input))]
    [InlineData(Libc.EPOLLIN | Libc.EPOLLOUT, nameof(SourceReport.Input))]
    [InlineData(Libc.EPOLLIN | Libc.EPOLLRDHUP, nameof(SourceReport.EndWithoutUrgentData))]
    [InlineData(Libc.EPOLLIN | Libc.EPOLLRDHUP | Libc.EPOLLHUP | Libc.EPOLLOUT, nameof(SourceReport.EndWithoutUrgentData))]
    public void WhatTheEventShowed_IsWhatTheReadsMayRelyOn(uint events, string expected) =>
        Assert.Equal(expected, SourceReports.Of(events).ToString());

    [Theory]
    [InlineData(0u)]
    [InlineData(Libc.EPOLLOUT)]
    [InlineData(Libc.EPOLLIN | Libc.EPOLLPRI)]
    [InlineData(Libc.EPOLLIN | Libc.EPOLLRDHUP | Libc.EPOLLPRI)]
    [InlineData(Libc.EPOLLIN | Libc.EPOLLERR)]
    [InlineData(Libc.EPOLLIN | Libc.EPOLLRDHUP | Libc.EPOLLERR | Libc.EPOLLHUP)]
    [InlineData(Libc.EPOLLIN | Libc.EPOLLHUP)]
    public void UrgentData_AnError_AResetOrNoInputEvent_PromiseNothing(uint events) =>
        Assert.Equal(SourceReport.Unknown, SourceReports.Of(events));
}

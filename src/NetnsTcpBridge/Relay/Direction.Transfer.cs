using System.Buffers;
using System.Runtime.InteropServices;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Relay;

// The two ways of moving bytes. Each call returns the byte count, or -errno.
internal sealed partial class Direction
{
    private unsafe long SpliceIn()
    {
        try
        {
            _pipe ??= _pipes.Rent();
        }
        catch (SyscallException e)
        {
            return -e.ErrorNumber;
        }

        nint moved = Libc.Splice(From, null, _pipe.WriteEnd, null, (nuint)(_pipe.Capacity - _bytesInPipe), Libc.SPLICE_F_MOVE | Libc.SPLICE_F_NONBLOCK);
        if (moved < 0)
        {
            return -Marshal.GetLastPInvokeError();
        }

        _bytesInPipe += (int)moved;
        return moved;
    }

    private unsafe long SpliceOut()
    {
        nint moved = Libc.Splice(_pipe!.ReadEnd, null, To, null, (nuint)_bytesInPipe, Libc.SPLICE_F_MOVE | Libc.SPLICE_F_NONBLOCK);
        if (moved < 0)
        {
            return -Marshal.GetLastPInvokeError();
        }

        _bytesInPipe -= (int)moved;
        return moved;
    }

    private unsafe long ReceiveIntoBuffer()
    {
        _buffer ??= ArrayPool<byte>.Shared.Rent(BufferSize);
        nint received;
        fixed (byte* pointer = _buffer)
        {
            received = Libc.Recv(From, pointer, (nuint)_buffer.Length, Libc.MSG_DONTWAIT);
        }

        if (received < 0)
        {
            return -Marshal.GetLastPInvokeError();
        }

        _bufferStart = 0;
        _bufferEnd = (int)received;
        return received;
    }

    private unsafe long SendFromBuffer()
    {
        nint sent;
        fixed (byte* pointer = _buffer)
        {
            sent = Libc.Send(To, pointer + _bufferStart, (nuint)(_bufferEnd - _bufferStart), Libc.MSG_DONTWAIT | Libc.MSG_NOSIGNAL);
        }

        if (sent < 0)
        {
            return -Marshal.GetLastPInvokeError();
        }

        _bufferStart += (int)sent;
        if (_bufferStart == _bufferEnd && !_useSplice)
        {
            // Keep the buffer while data flows; Fill gives it back when the sender pauses.
            _bufferStart = _bufferEnd = 0;
        }
        else if (_bufferStart == _bufferEnd)
        {
            ReturnBuffer();
        }

        return sent;
    }
}

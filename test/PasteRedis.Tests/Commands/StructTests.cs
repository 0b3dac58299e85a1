namespace PasteRedis.Tests.Commands;

/// <summary>
/// The struct library in scripts against the real redis-server's: the bytes pack makes,
/// what unpack returns (values as Lua 5.1's numbers, then the next position) and size, and
/// the errors with their script positions; RESP2 and RESP3, byte for byte.
/// </summary>
[TestFixture]
public class StructTests : ServerFixture
{
    private static string[] Eval(string script) => ["EVAL", script, "0"];

    [Test]
    public void PackUnpackAndSizeAsRedisDoes()
    {
        string[][] commands =
        [
            Eval("return struct.pack('>I2', 258) .. struct.pack('<i', -2) .. struct.pack('HBbhlLT', 1, 2, -3, -4, 5, 6, 7)"),
            Eval("return struct.pack('>d', 1.5) .. struct.pack('<f', 0.5) .. struct.pack('d', 0.1) .. struct.pack('>f', 1/0)"),
            Eval("return struct.pack('s', 'ab') .. struct.pack('c3', 'xyz') .. struct.pack('c0', 'hello') .. struct.pack('c', 'abc') .. struct.pack('c0 c2', 'ab', 'cd')"),
            Eval("return struct.pack('!4bi', 1, 2) .. struct.pack('>!4 b i', 1, 2) .. struct.pack('!bd', 1, 2) .. struct.pack('!2bhbi', 1, 2, 3, 4)"),
            Eval("return struct.pack('i17', 1) .. struct.pack('>i3', -2) .. struct.pack('>I16', 258) .. struct.pack('<i16', -2)"),
            Eval("return struct.pack('>i2', 70000) .. struct.pack('B', 300) .. struct.pack('b', 3.99) .. struct.pack('b', -3.99) .. struct.pack('L', -1) .. struct.pack('I8', -1)"),
            Eval("return struct.pack('b', '12') .. struct.pack('s', 5) .. struct.pack('x>I1', 5) .. struct.pack('!', 1) .. struct.pack(5, 1)"),
            Eval("return {struct.unpack('>I2', '\\001\\002')}"),
            Eval("return {struct.unpack('<i4I4', '\\254\\255\\255\\255\\001\\000\\000\\000')}"),
            Eval("return {struct.unpack('bc0', '\\003abcde')}"),
            Eval("return {struct.unpack('c3c0', '002ab')}"),
            Eval("return {struct.unpack('s', 'ab\\000cd')}"),
            Eval("return {struct.unpack('>I2', '\\000\\001\\000\\002', 3)}"),
            Eval("return {struct.unpack('b', 'ab', 2)}"),
            Eval("return {struct.unpack('', 'ab', 3)}"),
            Eval("return {struct.unpack('x b', 'ab')}"),
            Eval("return {struct.unpack('>i3', '\\255\\255\\254')}"),
            Eval("return {struct.unpack('<I16', '\\001\\002\\003\\004\\005\\006\\007\\008\\009\\010\\011\\012\\013\\014\\015\\016')}"),
            Eval("return {struct.unpack('I8', '\\255\\255\\255\\255\\255\\255\\255\\255')}"),
            Eval("return tostring(struct.unpack('i8', '\\255\\255\\255\\255\\255\\255\\255\\127'))"),
            Eval("return {struct.unpack('>H', '\\255\\255')}"),
            Eval("return tostring(struct.unpack('f', struct.pack('f', 0.1))) .. ' ' .. tostring(struct.unpack('>d', struct.pack('>d', 0.1)))"),
            Eval("return {struct.unpack('!4bi', struct.pack('!4bi', 7, -9))}"),
            Eval("return {struct.unpack('b', '1', 1.9)}"),
            Eval("return struct.size('>iI2bd') + struct.size('!8bd') * 100 + struct.size('i3c5') * 10000 + struct.size('q') + struct.size('i17') * 1000000"),
            Eval("return struct.pack('q', 1)"),
            Eval("return struct.pack('i33', 1)"),
            Eval("return struct.pack('i99999999999', 1)"),
            Eval("return struct.pack('!3i', 1)"),
            Eval("return struct.pack('i', 'abc')"),
            Eval("return struct.pack('c2', 'a')"),
            Eval("return struct.pack('d', 'x')"),
            Eval("return struct.pack('b')"),
            Eval("return struct.pack()"),
            Eval("return struct.unpack('>I4', 'ab')"),
            Eval("return struct.unpack('b', 'a', 5)"),
            Eval("return struct.unpack('b', 'a', 0)"),
            Eval("return struct.unpack('b', 'ab', 3)"),
            Eval("return struct.unpack('c0', 'abc')"),
            Eval("return struct.unpack('bc0', '\\009ab')"),
            Eval("return struct.unpack('s', 'abc')"),
            Eval("return struct.unpack('b')"),
            Eval("return struct.unpack(5, '5')"),
            Eval("return struct.size('s')"),
            Eval("return struct.size('c0')"),
            Eval("return struct.size('!3')"),
            Eval("local x = 1\nlocal y = struct.unpack('s', 'abc')\nreturn y"),
            Eval("local ok, err = pcall(struct.pack, 'q', 1) return err"),
            Eval("local p = struct.pack\nlocal v = p('q', 1)\nreturn v"),
        ];
        var differences = Tools.DifferencesFromRedis(Server.Port, commands);
        Assert.That(differences, Is.Empty, string.Join("\n", differences));
    }
}

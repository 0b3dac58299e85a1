namespace PasteRedis.Tests.Commands;

/// <summary>
/// cmsgpack in scripts against the real redis-server's (lua-cmsgpack 0.4): the bytes pack
/// makes, what the unpack family returns (offsets, -1 at the end, values), and the errors,
/// script positions included; RESP2 and RESP3, byte for byte. Maps of more than one key are
/// left out: their order is each Lua's table order.
/// </summary>
[TestFixture]
public class MsgpackTests : ServerFixture
{
    private static string[] Eval(string script) => ["EVAL", script, "0"];

    [Test]
    public void PackAndUnpackAsRedisDoes()
    {
        string[][] commands =
        [
            Eval("return cmsgpack.pack(0, 1, -1, 127, 128, 255, 256, 65535, 65536, -32, -33, -128, -129, -32768, -32769)"),
            Eval("return cmsgpack.pack(4294967295, 4294967296, -2147483648, -2147483649, 9007199254740992, -9007199254740992)"),
            Eval("return cmsgpack.pack(1.5, 0.1, -0.5, 1e300, 3.0, -0.0, math.huge, -math.huge, 0/0, 2^63, -2^63, 1e18)"),
            Eval("return cmsgpack.pack('', 'abc', string.rep('x', 31), string.rep('y', 32), string.rep('z', 255), string.rep('w', 256), string.rep('v', 70000))"),
            Eval("return cmsgpack.pack({}, {1, 2, 3}, {a = 1}, {1, nil, 3}, {[2] = 1}, {[1.5] = 1}, {[-1] = 2}, true, false, nil)"),
            Eval("local t = {} for i = 1, 16 do t[i] = i end local u = {} for i = 1, 70000 do u[i] = i % 3 end return cmsgpack.pack(t, u)"),
            Eval("local t = {} local c = t for i = 1, 20 do c[1] = {} c = c[1] end return cmsgpack.pack(t)"),
            Eval("local t = {} for i = 1, 15 do t = {t} end return cmsgpack.pack(t, {{{{{{{{{{{{{{{{{1}}}}}}}}}}}}}}}})"),
            Eval("return cmsgpack.pack(function() end, cjson.null, {k = {1, {v = true}}})"),
            Eval("return cmsgpack.pack()"),
            Eval("return {cmsgpack.unpack(cmsgpack.pack({1, {2, 'x'}, {k = 'v'}}, 7, 'str', true))}"),
            Eval("local t = cmsgpack.unpack(cmsgpack.pack({k = {1, 2}})) return t.k[2]"),
            Eval("return {cmsgpack.unpack('\\204\\200\\205\\001\\000\\206\\000\\001\\000\\000\\208\\128\\209\\128\\000\\210\\128\\000\\000\\000\\211\\255\\255\\255\\255\\255\\255\\255\\255')}"),
            Eval("return tostring(cmsgpack.unpack('\\202\\063\\192\\000\\000')) .. ' ' .. tostring(cmsgpack.unpack('\\203\\063\\185\\153\\153\\153\\153\\153\\154'))"),
            Eval("return tostring(cmsgpack.unpack('\\207\\000\\000\\000\\001\\000\\000\\000\\000'))"),
            Eval("return {cmsgpack.unpack('\\217\\003abc\\218\\000\\002de\\219\\000\\000\\000\\001f\\220\\000\\001\\001\\221\\000\\000\\000\\001\\002')}"),
            Eval("local t = cmsgpack.unpack('\\222\\000\\001\\161a\\001') return t.a"),
            Eval("return tostring(cmsgpack.unpack('\\192')) .. tostring(cmsgpack.unpack('\\194')) .. tostring(cmsgpack.unpack('\\195'))"),
            Eval("return cmsgpack.unpack('')"),
            Eval("return cmsgpack.unpack(5)"),
            Eval("return cmsgpack.unpack('\\193')"),
            Eval("return cmsgpack.unpack('\\146\\001')"),
            Eval("return cmsgpack.unpack('\\217')"),
            Eval("return cmsgpack.unpack('\\196\\003abc')"),
            Eval("return cmsgpack.unpack('\\212\\001\\002')"),
            Eval("return cmsgpack.unpack()"),
            Eval("return cmsgpack.unpack({})"),
            Eval("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))}"),
            Eval("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 1)}"),
            Eval("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 2)}"),
            Eval("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 3)}"),
            Eval("return {cmsgpack.unpack_one('\\001\\002', 1.7)}"),
            Eval("return {cmsgpack.unpack_one('\\001\\002', '1')}"),
            Eval("return {cmsgpack.unpack_one('', 0)}"),
            Eval("return cmsgpack.unpack_one('abc', -1)"),
            Eval("return cmsgpack.unpack_one('abc', 10)"),
            Eval("return cmsgpack.unpack_one('abc', 'x')"),
            Eval("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}"),
            Eval("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2, 2)}"),
            Eval("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 0)}"),
            Eval("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 0, 1)}"),
            Eval("return {cmsgpack.unpack_limit('\\001\\002', 5)}"),
            Eval("return cmsgpack.unpack_limit('abc')"),
            Eval("return cmsgpack.unpack_limit('abc', -1)"),
            Eval("local ok, err = pcall(cmsgpack.unpack, '\\193') return err"),
            Eval("local ok, err = pcall(cmsgpack.unpack) return err"),
            Eval("local ok, err = pcall(cmsgpack.pack) return err"),
            Eval("local u = cmsgpack.unpack_one\nlocal v = u('abc', 'x')\nreturn v"),
            Eval("redis.call('set', 'mp:k', cmsgpack.pack({1, 'two', 3.25}))\nlocal v = cmsgpack.unpack(redis.call('get', 'mp:k'))\nreturn {v[2], tostring(v[3])}"),
            Eval("local x = 1\nlocal y = cmsgpack.unpack('\\217')\nreturn y"),
            Eval("return {cmsgpack._NAME, cmsgpack._VERSION, cmsgpack._COPYRIGHT, cmsgpack._DESCRIPTION}"),
        ];
        var differences = Tools.DifferencesFromRedis(Server.Port, commands);
        Assert.That(differences, Is.Empty, string.Join("\n", differences));
    }
}

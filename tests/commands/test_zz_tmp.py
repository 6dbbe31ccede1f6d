import os, random, re
from tests.commands import test_fuzz as f
from tests.commands.test_fuzz import runner  # noqa: F401
from bot.core.words import Role

async def test_t(runner, database, clock):
    await f.build_world(runner, clock)
    plan = f.plan_for(Role(os.environ.get("ROLE", "contractor")))
    rng = random.Random(f.SEED + 3)
    world = await f.load_world(database)
    out = []
    for who, tpl in plan:
        line = f.resolve(tpl, world, who)
        clock.advance(seconds=rng.randint(1, 90))
        r = await runner.run_line(who, line)
        text = re.sub(r"login/\S+", "login/X", r.text)
        out.append(f"{who.external_id} {line[:100]!r} {r.ok} {text[:160]!r}")
        if r.ok: world = await f.load_world(database)
    open(os.environ["OUT"], "w").write("\n".join(out))

from dcode.engines.base import Cancel


def test_a_child_follows_its_parent_and_setting_it_leaves_the_parent_alone():
    user = Cancel()
    loop = Cancel(user)
    loop.set()
    assert loop.is_set and not user.is_set
    other = Cancel(user)
    user.set()
    assert other.is_set

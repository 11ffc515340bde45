// The capability derivation tree: link, unlink (children move up to the
// parent), move, and the revoke loop built on deepest_descendant. The last
// test drives random operations on a pool of slots and checks the pointer
// structure against a plain reference model after every step.

#include <algorithm>
#include <cstdint>
#include <doctest/doctest.h>
#include <initializer_list>
#include <map>
#include <object/derivation.h>
#include <random>
#include <set>
#include <string>
#include <vector>

using kernel::Slot;
namespace cdt = kernel::cdt;

namespace {

bool isolated(const Slot& slot)
{
    return !slot.parent && !slot.first_child && !slot.next_sibling && !slot.prev_sibling;
}

// The children of `slot` in list order, following next_sibling.
std::vector<const Slot*> children_of(const Slot& slot)
{
    std::vector<const Slot*> children;
    for (const Slot* child = slot.first_child; child && children.size() <= 10000; child = child->next_sibling)
        children.push_back(child);
    return children;
}

// Every descendant of `slot` (not `slot` itself), by walking the links down.
std::set<const Slot*> subtree_of(const Slot& slot)
{
    std::set<const Slot*> found;
    std::vector<const Slot*> work { &slot };
    while (!work.empty() && found.size() <= 10000) {
        const Slot* node = work.back();
        work.pop_back();
        for (const Slot* child : children_of(*node)) {
            if (found.insert(child).second)
                work.push_back(child);
        }
    }
    return found;
}

// Checks the links around one slot: its children point back at it, the
// sibling list is doubly linked in both directions, a root has no siblings.
// Returns the first problem found, or an empty string.
std::string local_problem(const Slot& slot)
{
    if (!slot.parent && (slot.prev_sibling || slot.next_sibling))
        return "a root has siblings";
    if (slot.first_child && slot.first_child->prev_sibling)
        return "the first child has a previous sibling";
    const Slot* previous = nullptr;
    size_t steps = 0;
    for (const Slot* child = slot.first_child; child; child = child->next_sibling) {
        if (++steps > 10000)
            return "the child list does not end";
        if (child->parent != &slot)
            return "a child does not point back at its parent";
        if (child->prev_sibling != previous)
            return "prev_sibling does not match the list order";
        previous = child;
    }
    return {};
}

// A named forest of slots for the directed tests.
struct Forest {
    std::map<std::string, Slot> slots;

    Slot& operator[](const std::string& name) { return slots[name]; }
    std::string name_of(const Slot* slot) const
    {
        for (auto& [name, candidate] : slots) {
            if (&candidate == slot)
                return name;
        }
        return slot ? "(outside)" : "(null)";
    }
    std::set<std::string> names(const std::set<const Slot*>& set) const
    {
        std::set<std::string> result;
        for (const Slot* slot : set)
            result.insert(name_of(slot));
        return result;
    }
    std::set<std::string> subtree_names(const std::string& name) { return names(subtree_of(slots[name])); }
    std::vector<std::string> child_names(const std::string& name)
    {
        std::vector<std::string> result;
        for (const Slot* child : children_of(slots[name]))
            result.push_back(name_of(child));
        return result;
    }
    void link(const std::string& parent, const std::string& child)
    {
        cdt::link_child(slots[parent], slots[child]);
    }
    std::string problem()
    {
        for (auto& [name, slot] : slots) {
            std::string local = local_problem(slot);
            if (!local.empty())
                return name + ": " + local;
        }
        return {};
    }
};

// root
// |- a
// |  |- a1
// |  |  `- a1x        (a copy of a copy)
// |  |     `- a1xy    (and one more)
// |  `- a2
// |- b
// `- c
//    `- c1
// other
// `- o1               (an unrelated tree that revoke must not touch)
void build_sample(Forest& f)
{
    f.link("root", "a");
    f.link("root", "b");
    f.link("root", "c");
    f.link("a", "a1");
    f.link("a", "a2");
    f.link("a1", "a1x");
    f.link("a1x", "a1xy");
    f.link("c", "c1");
    f.link("other", "o1");
}

// What revoke_cap does: delete leaves below `slot` until none remain.
// `on_delete` runs after each unlink and may delete more (as destroying an
// object deletes the caps it holds). Returns the deleted leaves in order.
template<typename OnDelete>
std::vector<Slot*> revoke(Slot& slot, OnDelete on_delete)
{
    std::vector<Slot*> deleted;
    while (Slot* leaf = cdt::deepest_descendant(slot)) {
        REQUIRE(deleted.size() < 10000);
        CHECK_MESSAGE(!cdt::has_children(*leaf), "deepest_descendant returned a node with children");
        deleted.push_back(leaf);
        cdt::unlink(*leaf);
        on_delete(leaf);
    }
    return deleted;
}
std::vector<Slot*> revoke(Slot& slot)
{
    return revoke(slot, [](Slot*) {});
}

} // namespace

TEST_CASE("cdt: link_child makes the newest child the first and points it at its parent")
{
    Forest f;
    f.link("p", "c1");
    CHECK(f["p"].first_child == &f["c1"]);
    CHECK(f["c1"].parent == &f["p"]);
    CHECK(f["c1"].prev_sibling == nullptr);
    CHECK(f["c1"].next_sibling == nullptr);

    f.link("p", "c2");
    f.link("p", "c3");
    CHECK(f.child_names("p") == std::vector<std::string> { "c3", "c2", "c1" });
    CHECK(f["c3"].prev_sibling == nullptr);
    CHECK(f["c2"].prev_sibling == &f["c3"]);
    CHECK(f["c1"].prev_sibling == &f["c2"]);
    CHECK(f["c1"].next_sibling == nullptr);
    CHECK(f["p"].parent == nullptr);
    CHECK(f.problem() == "");

    CHECK(cdt::has_children(f["p"]));
    CHECK_FALSE(cdt::has_children(f["c1"]));
}

TEST_CASE("cdt: is_descendant_of follows parents only, and a slot is not its own descendant")
{
    Forest f;
    build_sample(f);
    CHECK(cdt::is_descendant_of(f["a"], f["root"]));
    CHECK(cdt::is_descendant_of(f["a1xy"], f["root"]));
    CHECK(cdt::is_descendant_of(f["a1xy"], f["a"]));
    CHECK(cdt::is_descendant_of(f["a1xy"], f["a1x"]));
    CHECK_FALSE(cdt::is_descendant_of(f["root"], f["root"]));
    CHECK_FALSE(cdt::is_descendant_of(f["a1x"], f["a1x"]));
    CHECK_FALSE(cdt::is_descendant_of(f["root"], f["a"]));  // ancestors are not descendants
    CHECK_FALSE(cdt::is_descendant_of(f["a1"], f["a2"]));   // siblings are unrelated
    CHECK_FALSE(cdt::is_descendant_of(f["c1"], f["a"]));    // cousins too
    CHECK_FALSE(cdt::is_descendant_of(f["o1"], f["root"])); // another tree
    CHECK_FALSE(cdt::is_descendant_of(f["lonely"], f["root"]));
}

TEST_CASE("cdt: deepest_descendant returns a leaf below the slot, or null for a leaf")
{
    Forest f;
    build_sample(f);
    // Newest first: root's first child is c, whose first child is c1.
    CHECK(f.name_of(cdt::deepest_descendant(f["root"])) == "c1");
    // a's first child is a2 (linked after a1), a leaf.
    CHECK(f.name_of(cdt::deepest_descendant(f["a"])) == "a2");
    CHECK(f.name_of(cdt::deepest_descendant(f["a1"])) == "a1xy");
    CHECK(cdt::deepest_descendant(f["a1xy"]) == nullptr);
    CHECK(cdt::deepest_descendant(f["b"]) == nullptr);
    CHECK(cdt::deepest_descendant(f["lonely"]) == nullptr);

    for (const char* name : { "root", "a", "a1", "a1x", "c", "other" }) {
        CAPTURE(name);
        Slot* leaf = cdt::deepest_descendant(f[name]);
        REQUIRE(leaf != nullptr);
        CHECK_FALSE(cdt::has_children(*leaf));
        CHECK(cdt::is_descendant_of(*leaf, f[name]));
    }
}

TEST_CASE("cdt: unlink of a leaf takes it out of the sibling list at any position")
{
    for (const char* victim : { "c1", "c2", "c3" }) {
        CAPTURE(victim);
        Forest f;
        f.link("p", "c1");
        f.link("p", "c2");
        f.link("p", "c3"); // list: c3 c2 c1
        cdt::unlink(f[victim]);
        CHECK(isolated(f[victim]));
        std::vector<std::string> expected;
        for (const char* name : { "c3", "c2", "c1" }) {
            if (std::string(name) != victim)
                expected.push_back(name);
        }
        CHECK(f.child_names("p") == expected);
        CHECK(f.problem() == "");
    }

    Forest f;
    f.link("p", "only");
    cdt::unlink(f["only"]);
    CHECK(f["p"].first_child == nullptr);
    CHECK_FALSE(cdt::has_children(f["p"]));
    CHECK(isolated(f["only"]));

    // Unlinking a slot that is in no tree changes nothing.
    cdt::unlink(f["only"]);
    CHECK(isolated(f["only"]));
    CHECK(isolated(f["p"]));
}

TEST_CASE("cdt: unlink of a middle node hands its children to its parent")
{
    Forest f;
    build_sample(f);
    cdt::unlink(f["a"]);

    CHECK(isolated(f["a"]));
    auto children = f.child_names("root");
    CHECK(std::set<std::string>(children.begin(), children.end())
          == std::set<std::string> { "a1", "a2", "b", "c" });
    CHECK(children.size() == 4);
    CHECK(f["a1"].parent == &f["root"]);
    CHECK(f["a2"].parent == &f["root"]);
    // The grandchildren stay where they were, now one level higher.
    CHECK(f.child_names("a1") == std::vector<std::string> { "a1x" });
    CHECK(f.child_names("a1x") == std::vector<std::string> { "a1xy" });
    CHECK(cdt::is_descendant_of(f["a1xy"], f["root"]));
    CHECK_FALSE(cdt::is_descendant_of(f["a1xy"], f["a"]));
    CHECK(f.subtree_names("root") == std::set<std::string> { "a1", "a1x", "a1xy", "a2", "b", "c", "c1" });
    CHECK(f.subtree_names("other") == std::set<std::string> { "o1" });
    CHECK(f.problem() == "");

    // The same one level lower: unlinking a1 moves a1x up to root.
    cdt::unlink(f["a1"]);
    CHECK(f["a1x"].parent == &f["root"]);
    CHECK(f.subtree_names("root") == std::set<std::string> { "a1x", "a1xy", "a2", "b", "c", "c1" });
    CHECK(f.problem() == "");
}

TEST_CASE("cdt: unlink of a root makes each of its children a root")
{
    Forest f;
    build_sample(f);
    cdt::unlink(f["root"]);
    CHECK(isolated(f["root"]));
    for (const char* name : { "a", "b", "c" }) {
        CAPTURE(name);
        CHECK(f[name].parent == nullptr);
        CHECK(f[name].prev_sibling == nullptr);
        CHECK(f[name].next_sibling == nullptr);
    }
    CHECK(f.subtree_names("a") == std::set<std::string> { "a1", "a1x", "a1xy", "a2" });
    CHECK(f.subtree_names("c") == std::set<std::string> { "c1" });
    CHECK(f.problem() == "");
}

TEST_CASE("cdt: revoke deletes every descendant exactly once, leaves first")
{
    Forest f;
    build_sample(f);
    auto before = subtree_of(f["root"]);
    REQUIRE(before.size() == 8);

    // Each node's descendants, to check the order afterwards.
    std::map<const Slot*, std::set<const Slot*>> descendants;
    for (const Slot* slot : before)
        descendants[slot] = subtree_of(*slot);

    auto deleted = revoke(f["root"]);
    CHECK(deleted.size() == before.size());
    CHECK(std::set<const Slot*>(deleted.begin(), deleted.end()) == before);
    for (size_t i = 0; i < deleted.size(); ++i) {
        CAPTURE(f.name_of(deleted[i]));
        CHECK(isolated(*deleted[i]));
        // Everything below a node was deleted before it.
        for (const Slot* below : descendants[deleted[i]])
            CHECK(std::find(deleted.begin(), deleted.begin() + long(i), below) != deleted.begin() + long(i));
    }
    CHECK(isolated(f["root"]));
    // The unrelated tree is untouched.
    CHECK(f.child_names("other") == std::vector<std::string> { "o1" });
    CHECK(f.problem() == "");
}

TEST_CASE("cdt: revoke of a middle node deletes only its subtree")
{
    Forest f;
    build_sample(f);
    auto deleted = revoke(f["a"]);
    std::set<const Slot*> set(deleted.begin(), deleted.end());
    CHECK(deleted.size() == 4);
    CHECK(f.names(set) == std::set<std::string> { "a1", "a1x", "a1xy", "a2" });
    // The revoked cap itself stays, still in its parent's list.
    CHECK(f["a"].parent == &f["root"]);
    CHECK_FALSE(cdt::has_children(f["a"]));
    CHECK(f.subtree_names("root") == std::set<std::string> { "a", "b", "c", "c1" });
    CHECK(f.problem() == "");
}

TEST_CASE("cdt: revoke after middle nodes were deleted still reaches every descendant once")
{
    Forest f;
    build_sample(f);
    f.link("a1xy", "deep1");
    f.link("deep1", "deep2");
    f.link("a1", "a1z");
    // Delete middle nodes first (as CNodeDelete would), one of them twice removed.
    cdt::unlink(f["a1x"]);
    cdt::unlink(f["a"]);
    cdt::unlink(f["deep1"]);
    REQUIRE(f.problem() == "");

    auto expected = std::set<std::string> { "a1", "a1xy", "deep2", "a1z", "a2", "b", "c", "c1" };
    REQUIRE(f.subtree_names("root") == expected);
    auto deleted = revoke(f["root"]);
    std::set<const Slot*> set(deleted.begin(), deleted.end());
    CHECK(set.size() == deleted.size()); // nothing twice
    CHECK(f.names(set) == expected);
    CHECK(isolated(f["root"]));
    CHECK(f.problem() == "");
}

TEST_CASE("cdt: revoke survives deletions that reshape the tree under it")
{
    Forest f;
    build_sample(f);
    f.link("c1", "c1a");
    f.link("c1", "c1b");
    // Deleting the first leaf (c1b) destroys an object that held c and a1x:
    // both are deleted (unlinked) as a side effect, in the middle of the
    // revoke loop, and their children move up. Every other node must still
    // be deleted by the loop exactly once.
    std::vector<std::string> side_deleted;
    auto deleted = revoke(f["root"], [&](Slot* leaf) {
        if (leaf == &f["c1b"]) {
            for (const char* name : { "c", "a1x" }) {
                cdt::unlink(f[name]);
                side_deleted.push_back(name);
            }
        }
    });
    REQUIRE(side_deleted.size() == 2);
    REQUIRE(!deleted.empty());
    CHECK(f.name_of(deleted.front()) == "c1b");
    std::set<const Slot*> set(deleted.begin(), deleted.end());
    CHECK(set.size() == deleted.size());
    CHECK(f.names(set) == std::set<std::string> { "a", "a1", "a1xy", "a2", "b", "c1", "c1a", "c1b" });
    CHECK(isolated(f["root"]));
    for (auto& [name, slot] : f.slots) {
        CAPTURE(name);
        if (name != "other" && name != "o1")
            CHECK(isolated(slot));
    }
    CHECK(f.problem() == "");
}

TEST_CASE("cdt: move puts the new slot in the old one's place and fixes every back-pointer")
{
    // p's list: c, b, a; b has children b1, b2 and a grandchild.
    auto build = [](Forest& f) {
        f.link("p", "a");
        f.link("p", "b");
        f.link("p", "c");
        f.link("b", "b1");
        f.link("b", "b2");
        f.link("b1", "b1x");
    };

    SUBCASE("a middle sibling with children")
    {
        Forest f;
        build(f);
        cdt::move(f["b"], f["nb"]);
        CHECK(isolated(f["b"]));
        CHECK(f["nb"].parent == &f["p"]);
        CHECK(f.child_names("p") == std::vector<std::string> { "c", "nb", "a" });
        CHECK(f["c"].next_sibling == &f["nb"]);
        CHECK(f["a"].prev_sibling == &f["nb"]);
        CHECK(f["nb"].prev_sibling == &f["c"]);
        CHECK(f["nb"].next_sibling == &f["a"]);
        CHECK(f.child_names("nb") == std::vector<std::string> { "b2", "b1" });
        CHECK(f["b1"].parent == &f["nb"]);
        CHECK(f["b2"].parent == &f["nb"]);
        CHECK(f.child_names("b1") == std::vector<std::string> { "b1x" });
        CHECK(cdt::is_descendant_of(f["b1x"], f["nb"]));
        CHECK_FALSE(cdt::is_descendant_of(f["b1x"], f["b"]));
        CHECK(f.problem() == "");
    }
    SUBCASE("the first child")
    {
        Forest f;
        build(f);
        cdt::move(f["c"], f["nc"]);
        CHECK(isolated(f["c"]));
        CHECK(f["p"].first_child == &f["nc"]);
        CHECK(f["nc"].prev_sibling == nullptr);
        CHECK(f["b"].prev_sibling == &f["nc"]);
        CHECK(f.child_names("p") == std::vector<std::string> { "nc", "b", "a" });
        CHECK(f.problem() == "");
    }
    SUBCASE("the last child")
    {
        Forest f;
        build(f);
        cdt::move(f["a"], f["na"]);
        CHECK(isolated(f["a"]));
        CHECK(f["b"].next_sibling == &f["na"]);
        CHECK(f["na"].next_sibling == nullptr);
        CHECK(f.child_names("p") == std::vector<std::string> { "c", "b", "na" });
        CHECK(f.problem() == "");
    }
    SUBCASE("a root with children")
    {
        Forest f;
        build(f);
        cdt::move(f["p"], f["np"]);
        CHECK(isolated(f["p"]));
        CHECK(f["np"].parent == nullptr);
        CHECK(f.child_names("np") == std::vector<std::string> { "c", "b", "a" });
        for (const char* name : { "a", "b", "c" })
            CHECK(f[name].parent == &f["np"]);
        CHECK(f.subtree_names("np") == std::set<std::string> { "a", "b", "b1", "b1x", "b2", "c" });
        CHECK(f.problem() == "");
    }
    SUBCASE("a slot in no tree")
    {
        Forest f;
        cdt::move(f["x"], f["y"]);
        CHECK(isolated(f["x"]));
        CHECK(isolated(f["y"]));
    }
    SUBCASE("an only child, then back again")
    {
        Forest f;
        f.link("p", "x");
        f.link("x", "x1");
        cdt::move(f["x"], f["y"]);
        CHECK(f["p"].first_child == &f["y"]);
        CHECK(f["y"].prev_sibling == nullptr);
        CHECK(f["y"].next_sibling == nullptr);
        CHECK(f["x1"].parent == &f["y"]);
        cdt::move(f["y"], f["x"]);
        CHECK(isolated(f["y"]));
        CHECK(f["p"].first_child == &f["x"]);
        CHECK(f["x1"].parent == &f["x"]);
        CHECK(f.problem() == "");
    }
}

TEST_CASE("cdt: revoke from a moved slot reaches the moved subtree")
{
    Forest f;
    build_sample(f);
    cdt::move(f["a"], f["moved"]);
    auto deleted = revoke(f["moved"]);
    std::set<const Slot*> set(deleted.begin(), deleted.end());
    CHECK(f.names(set) == std::set<std::string> { "a1", "a1x", "a1xy", "a2" });
    CHECK(f["moved"].parent == &f["root"]);
    CHECK(isolated(f["a"]));
    CHECK(f.subtree_names("root") == std::set<std::string> { "b", "c", "c1", "moved" });
    CHECK(f.problem() == "");
}

namespace {

constexpr int none = -1;

// The reference model: a parent index per slot and an unordered set of
// children; nothing here is derived from the Slot links.
struct Model {
    explicit Model(size_t n) : parent(n, none), children(n) { }
    std::vector<int> parent;
    std::vector<std::vector<int>> children;

    bool isolated(int i) const { return parent[size_t(i)] == none && children[size_t(i)].empty(); }
    void erase_child(int p, int c)
    {
        auto& list = children[size_t(p)];
        auto it = std::find(list.begin(), list.end(), c);
        REQUIRE(it != list.end());
        list.erase(it);
    }
    void link(int p, int c)
    {
        parent[size_t(c)] = p;
        children[size_t(p)].push_back(c);
    }
    void unlink(int s)
    {
        int p = parent[size_t(s)];
        if (p != none)
            erase_child(p, s);
        for (int c : children[size_t(s)]) {
            parent[size_t(c)] = p;
            if (p != none)
                children[size_t(p)].push_back(c);
        }
        children[size_t(s)].clear();
        parent[size_t(s)] = none;
    }
    void move(int from, int to)
    {
        int p = parent[size_t(from)];
        parent[size_t(to)] = p;
        if (p != none)
            std::replace(children[size_t(p)].begin(), children[size_t(p)].end(), from, to);
        children[size_t(to)] = std::move(children[size_t(from)]);
        children[size_t(from)].clear();
        for (int c : children[size_t(to)])
            parent[size_t(c)] = to;
        parent[size_t(from)] = none;
    }
    bool is_descendant(int s, int ancestor) const
    {
        for (int p = parent[size_t(s)]; p != none; p = parent[size_t(p)]) {
            if (p == ancestor)
                return true;
        }
        return false;
    }
    size_t subtree_size(int s) const
    {
        size_t n = 0;
        for (int c : children[size_t(s)])
            n += 1 + subtree_size(c);
        return n;
    }
};

// Compares the Slot links with the model and checks the structural
// invariants. Returns the first violation, or an empty string.
std::string violation(const std::vector<Slot>& pool, const Model& model)
{
    const Slot* base = pool.data();
    const size_t n = pool.size();
    auto index_of = [&](const Slot* slot) -> long {
        if (!slot)
            return none;
        if (slot < base || slot >= base + n)
            return -2;
        return long(slot - base);
    };
    auto at = [](size_t i) { return "slot " + std::to_string(i) + ": "; };

    for (size_t i = 0; i < n; ++i) {
        const Slot& slot = pool[i];
        if (index_of(slot.parent) != model.parent[i])
            return at(i) + "parent is " + std::to_string(index_of(slot.parent)) + ", model says "
                + std::to_string(model.parent[i]);
        std::string local = local_problem(slot);
        if (!local.empty())
            return at(i) + local;
        std::vector<int> actual;
        for (const Slot* child : children_of(slot))
            actual.push_back(int(index_of(child)));
        std::vector<int> expected = model.children[i];
        std::sort(actual.begin(), actual.end());
        std::sort(expected.begin(), expected.end());
        if (actual != expected)
            return at(i) + "children differ from the model";
        if (cdt::has_children(slot) != !expected.empty())
            return at(i) + "has_children is wrong";
        // No cycles: the parent chain ends within n steps.
        size_t depth = 0;
        for (const Slot* p = slot.parent; p; p = p->parent) {
            if (++depth > n)
                return at(i) + "the parent chain has a cycle";
        }
    }

    // Every slot is reached exactly once from the roots through child lists:
    // no slot is lost, none sits in two lists.
    std::vector<int> seen(n, 0);
    std::vector<const Slot*> work;
    for (size_t i = 0; i < n; ++i) {
        if (!pool[i].parent)
            work.push_back(&pool[i]);
    }
    size_t visits = 0;
    while (!work.empty()) {
        const Slot* slot = work.back();
        work.pop_back();
        long i = index_of(slot);
        if (i < 0)
            return "a link points outside the pool";
        if (++seen[size_t(i)] > 1)
            return at(size_t(i)) + "reached twice from the roots";
        if (++visits > n)
            return "more visits than slots";
        for (const Slot* child : children_of(*slot))
            work.push_back(child);
    }
    for (size_t i = 0; i < n; ++i) {
        if (seen[i] != 1)
            return at(i) + "not reachable from any root";
    }
    return {};
}

} // namespace

TEST_CASE("cdt: the invariant checker notices broken links")
{
    // The randomized test below is only as good as its checker; break a
    // valid tree in each of the ways it must notice.
    std::vector<Slot> pool(6);
    Model model(pool.size());
    cdt::link_child(pool[0], pool[1]);
    model.link(0, 1);
    cdt::link_child(pool[0], pool[2]);
    model.link(0, 2);
    cdt::link_child(pool[2], pool[3]);
    model.link(2, 3);
    cdt::link_child(pool[2], pool[4]);
    model.link(2, 4);
    REQUIRE(violation(pool, model) == "");

    SUBCASE("a wrong parent pointer")
    {
        pool[3].parent = &pool[0];
        CHECK(violation(pool, model) != "");
    }
    SUBCASE("a wrong prev_sibling")
    {
        pool[3].prev_sibling = nullptr; // list is 4, 3
        CHECK(violation(pool, model) != "");
    }
    SUBCASE("a child missing from the list")
    {
        pool[4].next_sibling = nullptr;
        CHECK(violation(pool, model) != "");
    }
    SUBCASE("a parent cycle")
    {
        pool[0].parent = &pool[3];
        model.parent[0] = 3;
        CHECK(violation(pool, model) != "");
    }
    SUBCASE("a model that disagrees")
    {
        model.unlink(2);
        CHECK(violation(pool, model) != "");
    }
}

TEST_CASE("cdt: random link, unlink, move and revoke keep the tree consistent")
{
    constexpr size_t pool_size = 200;
    constexpr int steps = 20000;
    std::vector<Slot> pool(pool_size);
    Model model(pool_size);
    std::mt19937 random(0x0fa017); // fixed seed: every run does the same
    auto pick = [&]() { return int(std::uniform_int_distribution<size_t>(0, pool_size - 1)(random)); };
    auto pick_isolated = [&]() {
        for (int tries = 0; tries < 50; ++tries) {
            int i = pick();
            if (model.isolated(i))
                return i;
        }
        return none;
    };

    struct Counts {
        int link = 0, unlink = 0, unlink_middle = 0, move = 0, move_middle = 0, revoke = 0, revoked = 0;
    } counts;
    size_t max_linked = 0;
    size_t max_depth = 0;
    int last_child = none;

    for (int step = 0; step < steps; ++step) {
        CAPTURE(step);
        int op = std::uniform_int_distribution<int>(0, 99)(random);
        if (op < 35) {
            // Copy a cap: a fresh (isolated) slot becomes a child of any
            // other; often of the previous copy, to grow copies of copies.
            int child = pick_isolated();
            bool chain = last_child != none && random() % 2 == 0;
            int parent = chain ? last_child : pick();
            if (child == none || parent == child)
                continue;
            cdt::link_child(pool[size_t(parent)], pool[size_t(child)]);
            model.link(parent, child);
            last_child = child;
            ++counts.link;
        } else if (op < 68) {
            int slot = pick();
            if (model.parent[size_t(slot)] != none && !model.children[size_t(slot)].empty())
                ++counts.unlink_middle;
            cdt::unlink(pool[size_t(slot)]);
            model.unlink(slot);
            ++counts.unlink;
        } else if (op < 93) {
            int from = pick();
            int to = pick_isolated();
            if (to == none || to == from)
                continue;
            if (model.parent[size_t(from)] != none && !model.children[size_t(from)].empty())
                ++counts.move_middle;
            cdt::move(pool[size_t(from)], pool[size_t(to)]);
            model.move(from, to);
            ++counts.move;
        } else {
            int slot = pick();
            size_t expected = model.subtree_size(slot);
            size_t deleted = 0;
            while (Slot* leaf = cdt::deepest_descendant(pool[size_t(slot)])) {
                int leaf_index = int(leaf - pool.data());
                REQUIRE(leaf_index >= 0);
                REQUIRE(leaf_index < int(pool_size));
                REQUIRE(model.is_descendant(leaf_index, slot));
                REQUIRE(model.children[size_t(leaf_index)].empty());
                REQUIRE(deleted < expected);
                cdt::unlink(*leaf);
                model.unlink(leaf_index);
                ++deleted;
            }
            REQUIRE(deleted == expected);
            REQUIRE(model.children[size_t(slot)].empty());
            ++counts.revoke;
            counts.revoked += int(deleted);
        }

        std::string problem = violation(pool, model);
        REQUIRE_MESSAGE(problem == "", problem);

        size_t linked = 0;
        for (size_t i = 0; i < pool_size; ++i) {
            linked += !model.isolated(int(i));
            size_t depth = 0;
            for (int p = model.parent[i]; p != none; p = model.parent[size_t(p)])
                ++depth;
            max_depth = std::max(max_depth, depth);
        }
        max_linked = std::max(max_linked, linked);

        // Spot-check the queries against the model.
        int a = pick(), b = pick();
        REQUIRE(cdt::is_descendant_of(pool[size_t(a)], pool[size_t(b)]) == model.is_descendant(a, b));
        if (Slot* leaf = cdt::deepest_descendant(pool[size_t(a)])) {
            int leaf_index = int(leaf - pool.data());
            REQUIRE(model.is_descendant(leaf_index, a));
            REQUIRE(model.children[size_t(leaf_index)].empty());
        } else {
            REQUIRE(model.children[size_t(a)].empty());
        }
    }

    // The run must actually have exercised the interesting cases.
    MESSAGE("links ", counts.link, ", unlinks ", counts.unlink, " (", counts.unlink_middle,
            " of middle nodes), moves ", counts.move, " (", counts.move_middle, " of middle nodes), revokes ",
            counts.revoke, " deleting ", counts.revoked, ", most slots linked at once ", max_linked,
            ", deepest slot at depth ", max_depth);
    CHECK(counts.unlink_middle > 100);
    CHECK(counts.move_middle > 100);
    CHECK(counts.revoked > 100);
    CHECK(max_linked > pool_size / 2);
    CHECK(max_depth >= 8);
}

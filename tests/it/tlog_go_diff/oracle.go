package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

type hashes []tlog.Hash

func (h hashes) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		if x < 0 || x >= int64(len(h)) {
			return nil, fmt.Errorf("index out of range [%d] with length %d", x, len(h))
		}
		out[i] = h[x]
	}
	return out, nil
}

var log hashes
var records int64

func view(n int64) hashes {
	for records < n {
		add, err := tlog.StoredHashes(records, []byte(fmt.Sprintf("leaf %d", records)), log)
		if err != nil {
			panic(err)
		}
		log = append(log, add...)
		records++
	}
	return log[:tlog.StoredHashCount(n)]
}

type reader struct {
	h       int
	view    hashes
	asked   []string
	corrupt []string
}

func (r *reader) Height() int { return r.h }

func (r *reader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	var out [][]byte
	for i, t := range tiles {
		r.asked = append(r.asked, t.Path())
		data, err := tlog.ReadTileData(t, r.view)
		if err != nil {
			return nil, err
		}
		if len(r.corrupt) == 3 && atoi(r.corrupt[1]) == int64(i) {
			b := atoi(r.corrupt[2]) % int64(len(data))
			switch r.corrupt[0] {
			case "flip":
				data[b] ^= 1
			case "cut":
				data = data[:b]
			}
		}
		out = append(out, data)
	}
	return out, nil
}

func (r *reader) SaveTiles([]tlog.Tile, [][]byte) {}

func atoi(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		panic(err)
	}
	return n
}

func list(hs []tlog.Hash) string {
	var s []string
	for _, h := range hs {
		s = append(s, h.String())
	}
	return strings.Join(s, ",")
}

func result(s string, err error) string {
	if err != nil {
		return "err " + err.Error()
	}
	return "ok " + s
}

func answer(op string, a []string) string {
	switch op {
	case "parse_tree":
		t, err := tlog.ParseTree([]byte(a[0]))
		return result(fmt.Sprintf("%d %v", t.N, t.Hash), err)
	case "parse_record":
		id, text, rest, err := tlog.ParseRecord([]byte(a[0]))
		return result(fmt.Sprintf("%d %x %x", id, text, rest), err)
	case "format_record":
		msg, err := tlog.FormatRecord(atoi(a[0]), []byte(a[1]))
		return result(fmt.Sprintf("%x", msg), err)
	case "split":
		l, n := tlog.SplitStoredHashIndex(atoi(a[0]))
		return fmt.Sprintf("%d %d", l, n)
	case "count":
		return fmt.Sprint(tlog.StoredHashCount(atoi(a[0])))
	case "tile_for_index":
		return tlog.TileForIndex(int(atoi(a[0])), atoi(a[1])).Path()
	case "new_tiles":
		var s []string
		for _, t := range tlog.NewTiles(int(atoi(a[0])), atoi(a[1]), atoi(a[2])) {
			s = append(s, t.Path())
		}
		return strings.Join(s, ",")
	case "hash_from_tile":
		t, err := tlog.ParseTilePath(a[0])
		if err != nil {
			return "err " + err.Error()
		}
		data := []byte(strings.Repeat("Z", int(atoi(a[1]))))
		h, err := tlog.HashFromTile(t, data, atoi(a[2]))
		return result(h.String(), err)
	case "prove_record":
		t, n := atoi(a[0]), atoi(a[1])
		p, err := tlog.ProveRecord(t, n, view(t))
		return result(list(p), err)
	case "prove_tree":
		t, n := atoi(a[0]), atoi(a[1])
		p, err := tlog.ProveTree(t, n, view(t))
		return result(list(p), err)
	case "read":
		h, n := int(atoi(a[0])), atoi(a[1])
		v := view(n)
		th, err := tlog.TreeHash(n, v)
		if err != nil {
			return "err " + err.Error()
		}
		if a[3] == "tree" {
			th[0] ^= 1
		}
		var idx []int64
		for _, f := range strings.Fields(a[2]) {
			idx = append(idx, atoi(f))
		}
		r := &reader{h: h, view: v, corrupt: strings.Fields(a[3])}
		got, err := tlog.TileHashReader(tlog.Tree{N: n, Hash: th}, r).ReadHashes(idx)
		return strings.Join(r.asked, ",") + " " + result(list(got), err)
	}
	return "unknown op " + op
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(nil, 1<<24)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		f := strings.Split(in.Text(), "\t")
		var a []string
		for _, x := range f[1:] {
			b, err := hex.DecodeString(x)
			if err != nil {
				panic(err)
			}
			a = append(a, string(b))
		}
		fmt.Fprintf(out, "%x\n", answer(f[0], a))
	}
}

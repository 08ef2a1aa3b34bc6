// Command oracle answers module-zip questions with Go's own golang.org/x/mod/zip and
// sumdb/dirhash, for tests/it/zip_oracle.rs. That test builds it inside a throw-away
// module named golang.org/x/mod assembled from the installed toolchain's vendored
// sources.
//
// Each input line is one JSON request; each output line is the hex encoding of the
// answer text. Byte strings in requests (file names, contents, module paths) are hex.
package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"
)

type fileReq struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Size    int64  `json:"size"`
	Data    string `json:"data"`
	StatErr string `json:"stat_err"`
}

type request struct {
	Op      string    `json:"op"`
	Path    string    `json:"path"`
	Version string    `json:"version"`
	Files   []fileReq `json:"files"`
	Zip     string    `json:"zip"`
	Dir     string    `json:"dir"`
}

type fakeFile struct {
	name, kind, statErr string
	size                int64
	data                []byte
}

func (f fakeFile) Path() string { return f.name }
func (f fakeFile) Lstat() (os.FileInfo, error) {
	if f.statErr != "" {
		return nil, errors.New(f.statErr)
	}
	return fakeInfo{f}, nil
}
func (f fakeFile) Open() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(f.data)), nil
}

type fakeInfo struct{ f fakeFile }

func (fi fakeInfo) Name() string       { return path.Base(fi.f.name) }
func (fi fakeInfo) Size() int64        { return fi.f.size }
func (fi fakeInfo) ModTime() time.Time { return time.Time{} }
func (fi fakeInfo) IsDir() bool        { return fi.f.kind == "dir" }
func (fi fakeInfo) Sys() any           { return nil }
func (fi fakeInfo) Mode() fs.FileMode {
	switch fi.f.kind {
	case "dir":
		return fs.ModeDir | 0o755
	case "symlink":
		return fs.ModeSymlink | 0o777
	case "other":
		return fs.ModeNamedPipe | 0o644
	}
	return 0o644
}

func unhex(s string) string {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func format(cf modzip.CheckedFiles, err error) string {
	buf := &strings.Builder{}
	fmt.Fprintf(buf, "valid:\n")
	for _, f := range cf.Valid {
		fmt.Fprintln(buf, f)
	}
	fmt.Fprintf(buf, "\nomitted:\n")
	for _, f := range cf.Omitted {
		fmt.Fprintf(buf, "%s: %v\n", f.Path, f.Err)
	}
	fmt.Fprintf(buf, "\ninvalid:\n")
	for _, f := range cf.Invalid {
		fmt.Fprintf(buf, "%s: %v\n", f.Path, f.Err)
	}
	if err != nil {
		fmt.Fprintf(buf, "\nerr: %v", err)
	}
	return buf.String()
}

func hashed(h string, err error) string {
	if err != nil {
		return "err " + err.Error()
	}
	return "ok " + h
}

func answer(r request) (out string) {
	defer func() {
		if p := recover(); p != nil {
			out = fmt.Sprintf("panic %v", p)
		}
	}()
	m := module.Version{Path: unhex(r.Path), Version: r.Version}
	var files []modzip.File
	for _, f := range r.Files {
		files = append(files, fakeFile{
			name: unhex(f.Name), kind: f.Kind, statErr: f.StatErr, size: f.Size, data: []byte(unhex(f.Data)),
		})
	}
	switch r.Op {
	case "check_files":
		return format(modzip.CheckFiles(files))
	case "check_dir":
		return format(modzip.CheckDir(r.Dir))
	case "check_zip":
		return format(modzip.CheckZip(m, r.Zip))
	case "create", "create_from_dir":
		var buf bytes.Buffer
		var err error
		if r.Op == "create" {
			err = modzip.Create(&buf, m, files)
		} else {
			err = modzip.CreateFromDir(&buf, m, r.Dir)
		}
		if err != nil {
			return "err " + err.Error()
		}
		if err := os.WriteFile(r.Zip, buf.Bytes(), 0o666); err != nil {
			panic(err)
		}
		return hashed(dirhash.HashZip(r.Zip, dirhash.Hash1))
	case "unzip":
		if err := modzip.Unzip(r.Dir, m, r.Zip); err != nil {
			return "err " + err.Error()
		}
		return hashed(dirhash.HashDir(r.Dir, m.Path+"@"+m.Version, dirhash.Hash1))
	case "hash_zip":
		return hashed(dirhash.HashZip(r.Zip, dirhash.Hash1))
	}
	panic("unknown op " + r.Op)
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<24), 1<<24)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		var r request
		if err := json.Unmarshal(in.Bytes(), &r); err != nil {
			panic(err)
		}
		fmt.Fprintln(out, hex.EncodeToString([]byte(answer(r))))
	}
}

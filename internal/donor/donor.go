package donor

import "time"

// Program is a donor's program: a benefit.Program owned by the donor, with
// the criteria of who may receive it and how much it can give.
type Program struct {
	ProgramID    int64
	DonorID      int64
	Description  string
	DesilMax     *int   // households ranked at this decile or poorer; nil: any
	RegionPrefix string // where it gives, a region-code prefix; "": anywhere
	Budget       int64  // rupiah
	Quota        int    // recipients
	OpenFrom     time.Time
	OpenUntil    *time.Time
}

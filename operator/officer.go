package operator

import (
	"context"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/officer"
)

// Officers manages registration officers (officer.Service).
type Officers interface {
	Create(ctx context.Context, n officer.NewOfficer) (*officer.Created, error)
	List(ctx context.Context) ([]officer.Summary, error)
	Trained(ctx context.Context, user, day string) (*officer.Summary, error)
	Disable(ctx context.Context, user string) (*officer.Summary, error)
}

// OfficerRequest names one officer (`qesctl operator disable`).
type OfficerRequest struct {
	User string `json:"user"`
}

// DisableOfficer is `qesctl operator disable`.
func (s *Service) DisableOfficer(ctx context.Context, r OfficerRequest) (*officer.Summary, error) {
	if r.User == "" {
		return nil, errs.M(errs.InvalidRequest, msg.OfficerUserInvalid)
	}
	return s.Officers.Disable(ctx, r.User)
}

// OfficerTrainedRequest is `qesctl operator trained`.
type OfficerTrainedRequest struct {
	User string `json:"user"`
	On   string `json:"on"` // YYYY-MM-DD
}

// CreateOfficer is `qesctl operator create`: the answer carries the
// authenticator's otpauth:// URI, once.
func (s *Service) CreateOfficer(ctx context.Context, r officer.NewOfficer) (*officer.Created, error) {
	return s.Officers.Create(ctx, r)
}

// ListOfficers is `qesctl operator list`: never null, an empty list.
func (s *Service) ListOfficers(ctx context.Context, _ None) ([]officer.Summary, error) {
	list, err := s.Officers.List(ctx)
	if list == nil {
		list = []officer.Summary{}
	}
	return list, err
}

// OfficerTrained is `qesctl operator trained`.
func (s *Service) OfficerTrained(ctx context.Context, r OfficerTrainedRequest) (*officer.Summary, error) {
	if r.User == "" {
		return nil, errs.M(errs.InvalidRequest, msg.OfficerUserInvalid)
	}
	return s.Officers.Trained(ctx, r.User, r.On)
}
